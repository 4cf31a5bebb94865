//! A reader of MeCab's compiled dictionaries (`sys.dic`, `unk.dic`, `char.bin`, `matrix.bin`) and
//! MeCab's lattice search, so that a UniDic directory gives the morphemes MeCab (and so fugashi and
//! misaki) gives for the same text.
//!
//! Memory: the double array and the token table are read into memory (about 30 MB for
//! unidic-lite); feature strings are read from `sys.dic` only for the morphemes of the best path,
//! and rows of the connection matrix (71 MB for unidic-lite) only when a node first needs them
//! (one row is 12 KB; a text touches a few hundred). Nothing is memory-mapped.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::Error;

/// Size of the fixed header of a `.dic` file: ten u32 fields and a 32-byte charset name.
const DIC_HEADER: usize = 72;
/// The magic xor MeCab stores with the file size.
const DIC_MAGIC: u32 = 0xef71_8f77;
/// MeCab's default `max-grouping-size` (UniDic's `dicrc` leaves it commented out).
const MAX_GROUPING_SIZE: usize = 24;
/// MeCab looks at most this many bytes ahead from a position.
const MAX_LOOKAHEAD: usize = 65_535;
/// The number of entries in `char.bin`'s table (UCS-2 without U+FFFF).
const CHAR_TABLE: usize = 0xffff;

/// One entry of a dictionary's token table.
#[derive(Debug, Clone, Copy)]
struct Token {
    lc: u16,
    rc: u16,
    wcost: i16,
    feature: u32,
}

/// Where a dictionary's feature strings are read from.
#[derive(Debug)]
enum Features {
    Memory(Vec<u8>),
    File {
        file: Mutex<File>,
        offset: u64,
        len: u64,
    },
}

/// One compiled dictionary (`sys.dic` or `unk.dic`).
#[derive(Debug)]
struct Dic {
    path: PathBuf,
    /// Darts double array, as stored: (base i32, check u32) little-endian pairs.
    units: Vec<u8>,
    /// The token table, as stored: 16 bytes per token.
    tokens: Vec<u8>,
    features: Features,
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[i * 4..i * 4 + 4]);
    u32::from_le_bytes(a)
}

fn read_exact_vec(file: &mut File, len: usize, path: &Path) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; len];
    file.read_exact(&mut buf).map_err(|e| Error::io(path, e))?;
    Ok(buf)
}

impl Dic {
    /// Opens `path`; with `features_in_memory` the feature strings are read too (for `unk.dic`).
    fn open(path: &Path, features_in_memory: bool) -> Result<Dic, Error> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let header = read_exact_vec(&mut file, DIC_HEADER, path)?;
        let magic = u32_at(&header, 0);
        if u64::from(magic ^ DIC_MAGIC) != size {
            return Err(Error::malformed(path, "bad magic number or truncated file"));
        }
        let version = u32_at(&header, 1);
        if version != 102 {
            return Err(Error::malformed(
                path,
                format!("dictionary version {version}, expected 102"),
            ));
        }
        let charset = &header[40..72];
        let charset = charset.split(|&b| b == 0).next().unwrap_or_default();
        if !charset.eq_ignore_ascii_case(b"utf8") && !charset.eq_ignore_ascii_case(b"utf-8") {
            return Err(Error::malformed(
                path,
                format!(
                    "charset {:?}, expected utf8",
                    String::from_utf8_lossy(charset)
                ),
            ));
        }
        let [dsize, tsize, fsize] = [6, 7, 8].map(|i| u32_at(&header, i) as usize);
        if (DIC_HEADER + dsize + tsize + fsize) as u64 != size || dsize % 8 != 0 || tsize % 16 != 0
        {
            return Err(Error::malformed(path, "section sizes do not add up"));
        }
        let units = read_exact_vec(&mut file, dsize, path)?;
        let tokens = read_exact_vec(&mut file, tsize, path)?;
        let features = if features_in_memory {
            Features::Memory(read_exact_vec(&mut file, fsize, path)?)
        } else {
            Features::File {
                file: Mutex::new(file),
                offset: (DIC_HEADER + dsize + tsize) as u64,
                len: fsize as u64,
            }
        };
        Ok(Dic {
            path: path.to_path_buf(),
            units,
            tokens,
            features,
        })
    }

    fn unit(&self, i: usize) -> Option<(i32, u32)> {
        let c = self.units.get(i.checked_mul(8)?..i.checked_mul(8)? + 8)?;
        let base = i32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        let check = u32::from_le_bytes([c[4], c[5], c[6], c[7]]);
        Some((base, check))
    }

    fn token_count(&self) -> usize {
        self.tokens.len() / 16
    }

    fn token(&self, t: usize) -> Option<Token> {
        let c = self
            .tokens
            .get(t.checked_mul(16)?..t.checked_mul(16)? + 16)?;
        Some(Token {
            lc: u16::from_le_bytes([c[0], c[1]]),
            rc: u16::from_le_bytes([c[2], c[3]]),
            wcost: i16::from_le_bytes([c[6], c[7]]),
            feature: u32::from_le_bytes([c[8], c[9], c[10], c[11]]),
        })
    }

    /// Darts' common prefix search: (value, length in bytes) of every key that prefixes `key`.
    fn common_prefix_search(&self, key: &[u8], out: &mut Vec<(u32, usize)>) {
        out.clear();
        let Some((mut b, _)) = self.unit(0) else {
            return;
        };
        for (i, &byte) in key.iter().enumerate() {
            if let Some((n, check)) = self.unit(b as usize)
                && check == b as u32
                && n < 0
            {
                out.push(((-n - 1) as u32, i));
            }
            let p = (b as i64) + i64::from(byte) + 1;
            match usize::try_from(p).ok().and_then(|p| self.unit(p)) {
                Some((base, check)) if check == b as u32 => b = base,
                _ => return,
            }
        }
        if let Some((n, check)) = self.unit(b as usize)
            && check == b as u32
            && n < 0
        {
            out.push(((-n - 1) as u32, key.len()));
        }
    }

    /// The token range of a search value: MeCab packs `first << 8 | count`.
    fn token_range(&self, value: u32) -> std::ops::Range<usize> {
        let first = (value >> 8) as usize;
        let count = (value & 0xff) as usize;
        let end = (first + count).min(self.token_count());
        first.min(end)..end
    }

    /// The feature string of token `t`.
    fn feature(&self, t: usize) -> Result<String, Error> {
        let Some(token) = self.token(t) else {
            return Err(Error::malformed(&self.path, "token index out of range"));
        };
        let start = token.feature as usize;
        match &self.features {
            Features::Memory(bytes) => {
                let tail = bytes.get(start..).unwrap_or_default();
                let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
                Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
            }
            Features::File { file, offset, len } => {
                let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
                let mut out = Vec::new();
                let mut pos = start as u64;
                let mut chunk = [0u8; 256];
                while pos < *len {
                    file.seek(SeekFrom::Start(offset + pos))
                        .map_err(|e| Error::io(&self.path, e))?;
                    let want = chunk.len().min((len - pos) as usize);
                    let got = file
                        .read(&mut chunk[..want])
                        .map_err(|e| Error::io(&self.path, e))?;
                    if got == 0 {
                        break;
                    }
                    if let Some(z) = chunk[..got].iter().position(|&b| b == 0) {
                        out.extend_from_slice(&chunk[..z]);
                        break;
                    }
                    out.extend_from_slice(&chunk[..got]);
                    pos += got as u64;
                }
                Ok(String::from_utf8_lossy(&out).into_owned())
            }
        }
    }
}

/// A character's entry in `char.bin`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct CharInfo {
    /// Bit set of the categories the character belongs to.
    kinds: u32,
    default_type: u8,
    length: u8,
    group: bool,
    invoke: bool,
}

impl CharInfo {
    fn from_bits(v: u32) -> CharInfo {
        CharInfo {
            kinds: v & 0x3ffff,
            default_type: ((v >> 18) & 0xff) as u8,
            length: ((v >> 26) & 0xf) as u8,
            group: (v >> 30) & 1 == 1,
            invoke: (v >> 31) & 1 == 1,
        }
    }

    fn is_kind_of(self, other: CharInfo) -> bool {
        self.kinds & other.kinds != 0
    }
}

/// `char.bin`: character categories.
#[derive(Debug)]
struct CharProperty {
    names: Vec<String>,
    table: Vec<CharInfo>,
}

impl CharProperty {
    fn open(path: &Path) -> Result<CharProperty, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if bytes.len() < 4 {
            return Err(Error::malformed(path, "too short"));
        }
        let n = u32_at(&bytes, 0) as usize;
        if bytes.len() != 4 + 32 * n + 4 * CHAR_TABLE {
            return Err(Error::malformed(path, "unexpected size"));
        }
        let names = (0..n)
            .map(|i| {
                let raw = &bytes[4 + 32 * i..4 + 32 * (i + 1)];
                let raw = raw.split(|&b| b == 0).next().unwrap_or_default();
                String::from_utf8_lossy(raw).into_owned()
            })
            .collect();
        let base = 4 + 32 * n;
        let table = bytes[base..]
            .chunks_exact(4)
            .map(|c| CharInfo::from_bits(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        Ok(CharProperty { names, table })
    }

    /// MeCab reads UTF-8 as UCS-2; characters beyond the BMP read as U+0000.
    fn info(&self, c: char) -> CharInfo {
        let code = c as u32;
        let code = if code > 0xffff { 0 } else { code as usize };
        self.table.get(code).copied().unwrap_or_default()
    }
}

/// `matrix.bin`, read one row (all left contexts of one right node's left id) at a time.
#[derive(Debug)]
struct Matrix {
    path: PathBuf,
    lsize: usize,
    rsize: usize,
    file: Mutex<File>,
    rows: RwLock<HashMap<u16, Arc<[i16]>>>,
}

impl Matrix {
    fn open(path: &Path) -> Result<Matrix, Error> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let head = read_exact_vec(&mut file, 4, path)?;
        let lsize = usize::from(u16::from_le_bytes([head[0], head[1]]));
        let rsize = usize::from(u16::from_le_bytes([head[2], head[3]]));
        if 4 + 2 * (lsize as u64) * (rsize as u64) != size {
            return Err(Error::malformed(path, "size does not match its dimensions"));
        }
        Ok(Matrix {
            path: path.to_path_buf(),
            lsize,
            rsize,
            file: Mutex::new(file),
            rows: RwLock::new(HashMap::new()),
        })
    }

    /// Costs `[rc]` of connecting a left node with right id `rc` to a node with left id `lc`.
    fn row(&self, lc: u16) -> Result<Arc<[i16]>, Error> {
        if let Some(row) = self
            .rows
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&lc)
        {
            return Ok(Arc::clone(row));
        }
        if usize::from(lc) >= self.rsize {
            return Err(Error::malformed(&self.path, "left id out of range"));
        }
        let mut raw = vec![0u8; 2 * self.lsize];
        {
            let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
            let at = 4 + 2 * (self.lsize as u64) * u64::from(lc);
            file.seek(SeekFrom::Start(at))
                .map_err(|e| Error::io(&self.path, e))?;
            file.read_exact(&mut raw)
                .map_err(|e| Error::io(&self.path, e))?;
        }
        let row: Arc<[i16]> = raw
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        self.rows
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(lc, Arc::clone(&row));
        Ok(row)
    }

    fn cost(row: &[i16], rc: u16) -> i64 {
        row.get(usize::from(rc)).copied().map_or(0, i64::from)
    }
}

/// One morpheme of the best path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Morpheme {
    /// The text of the morpheme (without the spaces before it).
    pub surface: String,
    /// The dictionary's feature string (comma-separated, CSV quoting).
    pub feature: String,
    /// MeCab's character category of its first character (`char.bin` order; UniDic: 0 DEFAULT,
    /// 1 SPACE, 2 KANJI, 3 SYMBOL, 4 NUMERIC, 5 ALPHA, 6 HIRAGANA, 7 KATAKANA, 8 KANJINUMERIC, ...).
    pub char_type: u8,
    /// True when the dictionary did not hold the word (MeCab's unknown-word node).
    pub unknown: bool,
}

impl Morpheme {
    /// Field `i` of the feature string (CSV), `None` past its end.
    pub fn field(&self, i: usize) -> Option<String> {
        split_csv(&self.feature).into_iter().nth(i)
    }
}

/// Splits a MeCab feature string: commas separate, double quotes protect commas, `""` is a quote.
pub(crate) fn split_csv(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[derive(Debug, Clone, Copy)]
enum Source {
    Sys(usize),
    Unk(usize),
    Bos,
}

#[derive(Debug, Clone)]
struct Node {
    /// Byte offset of the surface (after skipped spaces).
    begin: usize,
    /// Byte offset of the end of the surface.
    end: usize,
    lc: u16,
    rc: u16,
    wcost: i64,
    char_type: u8,
    source: Source,
    cost: i64,
    prev: usize,
}

/// A loaded MeCab dictionary directory and MeCab's analysis over it.
#[derive(Debug)]
pub struct Tagger {
    sys: Dic,
    unk: Dic,
    chars: CharProperty,
    matrix: Matrix,
    /// Token range in `unk` for each character category.
    unk_tokens: Vec<std::ops::Range<usize>>,
    space: CharInfo,
}

impl Tagger {
    /// Opens a MeCab dictionary directory (`sys.dic`, `unk.dic`, `char.bin`, `matrix.bin`).
    pub fn open(dir: &Path) -> Result<Tagger, Error> {
        let sys = Dic::open(&dir.join("sys.dic"), false)?;
        let unk = Dic::open(&dir.join("unk.dic"), true)?;
        let chars = CharProperty::open(&dir.join("char.bin"))?;
        let matrix = Matrix::open(&dir.join("matrix.bin"))?;
        let mut found = Vec::new();
        let mut unk_tokens = Vec::with_capacity(chars.names.len());
        for name in &chars.names {
            unk.common_prefix_search(name.as_bytes(), &mut found);
            let Some(&(value, _)) = found.iter().find(|(_, len)| *len == name.len()) else {
                return Err(Error::malformed(
                    &unk.path,
                    format!("no unknown-word entry for character category {name}"),
                ));
            };
            unk_tokens.push(unk.token_range(value));
        }
        let space = chars.info(' ');
        Ok(Tagger {
            sys,
            unk,
            chars,
            matrix,
            unk_tokens,
            space,
        })
    }

    /// MeCab's best analysis of `text`, one [`Morpheme`] per node of the best path.
    pub fn parse(&self, text: &str) -> Result<Vec<Morpheme>, Error> {
        let text = text.trim_end();
        let len = text.len();
        let mut nodes: Vec<Node> = vec![Node {
            begin: 0,
            end: 0,
            lc: 0,
            rc: 0,
            wcost: 0,
            char_type: 0,
            source: Source::Bos,
            cost: 0,
            prev: 0,
        }];
        let mut ends: Vec<Vec<usize>> = vec![Vec::new(); len + 1];
        ends[0].push(0);
        let mut created = Vec::new();
        let mut found = Vec::new();
        for pos in 0..len {
            if ends[pos].is_empty() || !text.is_char_boundary(pos) {
                continue;
            }
            created.clear();
            self.lookup(text, pos, &mut created, &mut found);
            // MeCab prepends new nodes to the begin list and connects them in that order.
            for mut node in created.drain(..).rev() {
                let row = self.matrix.row(node.lc)?;
                let mut best: Option<(i64, usize)> = None;
                // The end list is prepended to as well: newest first; ties keep the first seen.
                for &l in ends[pos].iter().rev() {
                    let left = &nodes[l];
                    let cost = left.cost + Matrix::cost(&row, left.rc) + node.wcost;
                    if best.is_none_or(|(b, _)| cost < b) {
                        best = Some((cost, l));
                    }
                }
                let Some((cost, prev)) = best else { continue };
                node.cost = cost;
                node.prev = prev;
                let end = node.end.min(len);
                nodes.push(node);
                ends[end].push(nodes.len() - 1);
            }
        }
        // EOS connects at the last position some node ends at.
        let Some(last) = (0..=len).rev().find(|&p| !ends[p].is_empty()) else {
            return Ok(Vec::new());
        };
        let row = self.matrix.row(0)?;
        let mut best: Option<(i64, usize)> = None;
        for &l in ends[last].iter().rev() {
            let left = &nodes[l];
            let cost = left.cost + Matrix::cost(&row, left.rc);
            if best.is_none_or(|(b, _)| cost < b) {
                best = Some((cost, l));
            }
        }
        let mut path = Vec::new();
        let mut at = best.map_or(0, |(_, l)| l);
        while at != 0 {
            path.push(at);
            at = nodes[at].prev;
        }
        path.reverse();
        path.into_iter()
            .map(|i| {
                let n = &nodes[i];
                let (feature, unknown) = match n.source {
                    Source::Sys(t) => (self.sys.feature(t)?, false),
                    Source::Unk(t) => (self.unk.feature(t)?, true),
                    Source::Bos => (String::new(), false),
                };
                Ok(Morpheme {
                    surface: text
                        .get(n.begin..n.end.min(len))
                        .unwrap_or_default()
                        .to_string(),
                    feature,
                    char_type: n.char_type,
                    unknown,
                })
            })
            .collect()
    }

    /// The char at byte `at` and its info; `None` at the end.
    fn char_at(&self, text: &str, at: usize, end: usize) -> Option<(char, CharInfo)> {
        if at >= end {
            return None;
        }
        let c = text.get(at..)?.chars().next()?;
        Some((c, self.chars.info(c)))
    }

    /// MeCab's `seekToOtherType`: from `at`, skip characters of the same kind as `c` (which is
    /// updated to each skipped character). Returns (position, info of the first other character or
    /// the last one examined, its byte length, number of characters skipped).
    fn seek_to_other_type(
        &self,
        text: &str,
        mut at: usize,
        end: usize,
        mut c: CharInfo,
    ) -> (usize, CharInfo, usize, usize) {
        let mut fail = CharInfo::default();
        let mut mblen = 0;
        let mut clen = 0;
        while let Some((ch, info)) = self.char_at(text, at, end) {
            fail = info;
            mblen = ch.len_utf8();
            if !c.is_kind_of(info) {
                break;
            }
            at += mblen;
            clen += 1;
            c = info;
        }
        (at, fail, mblen, clen)
    }

    /// MeCab's `Tokenizer::lookup`: the nodes that begin at byte `begin`, in creation order.
    fn lookup(&self, text: &str, begin: usize, out: &mut Vec<Node>, found: &mut Vec<(u32, usize)>) {
        let end = text.len().min(begin + MAX_LOOKAHEAD);
        let (begin2, cinfo, mblen, _) = self.seek_to_other_type(text, begin, end, self.space);
        let bytes = &text.as_bytes()[begin2..end];
        self.sys.common_prefix_search(bytes, found);
        for &(value, length) in found.iter() {
            // A key that does not end on a character boundary cannot be a word of this text.
            if !text.is_char_boundary(begin2 + length) {
                continue;
            }
            for t in self.sys.token_range(value) {
                let Some(tok) = self.sys.token(t) else {
                    continue;
                };
                out.push(Node {
                    begin: begin2,
                    end: begin2 + length,
                    lc: tok.lc,
                    rc: tok.rc,
                    wcost: i64::from(tok.wcost),
                    char_type: cinfo.default_type,
                    source: Source::Sys(t),
                    cost: 0,
                    prev: 0,
                });
            }
        }
        if !out.is_empty() && !cinfo.invoke {
            return;
        }
        let add_unknown = |out: &mut Vec<Node>, to: usize| {
            let range = self
                .unk_tokens
                .get(usize::from(cinfo.default_type))
                .cloned()
                .unwrap_or(0..0);
            for t in range {
                let Some(tok) = self.unk.token(t) else {
                    continue;
                };
                out.push(Node {
                    begin: begin2,
                    end: to,
                    lc: tok.lc,
                    rc: tok.rc,
                    wcost: i64::from(tok.wcost),
                    char_type: cinfo.default_type,
                    source: Source::Unk(t),
                    cost: 0,
                    prev: 0,
                });
            }
        };
        let mut begin3 = begin2 + mblen;
        if begin3 > end {
            add_unknown(out, end);
            if !out.is_empty() {
                return;
            }
        }
        let mut group_end = None;
        if cinfo.group {
            let (run_end, _, _, clen) = self.seek_to_other_type(text, begin3, end, cinfo);
            if clen <= MAX_GROUPING_SIZE {
                add_unknown(out, run_end);
            }
            group_end = Some(run_end);
        }
        for _ in 1..=cinfo.length {
            if begin3 > end || Some(begin3) == group_end {
                break;
            }
            add_unknown(out, begin3);
            match self.char_at(text, begin3, end) {
                Some((ch, info)) if cinfo.is_kind_of(info) => begin3 += ch.len_utf8(),
                _ => break,
            }
        }
        if out.is_empty() {
            add_unknown(out, begin3.min(end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_keep_quoted_commas() {
        assert_eq!(split_csv("a,\"b,c\",d"), ["a", "b,c", "d"]);
        assert_eq!(split_csv("a,,\"x\"\"y\""), ["a", "", "x\"y"]);
        assert_eq!(split_csv(""), [""]);
    }

    #[test]
    fn char_info_bit_layout() {
        // KATAKANA in UniDic's char.def: kind bit 7, default 7, length 2, group, invoke.
        let v = (1 << 7) | (7 << 18) | (2 << 26) | (1 << 30) | (1 << 31);
        let c = CharInfo::from_bits(v);
        assert_eq!(
            c,
            CharInfo {
                kinds: 128,
                default_type: 7,
                length: 2,
                group: true,
                invoke: true
            }
        );
    }
}
