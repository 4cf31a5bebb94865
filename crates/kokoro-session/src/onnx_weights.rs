//! Reading a model's initializers (its weights) straight from the ONNX protobuf, so that every
//! session of a pool can use one copy of them (ONNX Runtime's `AddInitializer`).
//!
//! Only what is needed is decoded: `ModelProto.graph` (field 7) → `GraphProto.initializer`
//! (field 5) → `TensorProto` `dims` (1), `data_type` (2), `name` (8), `raw_data` (9). Tensors
//! stored any other way (typed fields, external data) are left to ONNX Runtime.

/// One initializer stored as raw little-endian bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawInitializer<'a> {
    pub name: &'a str,
    pub dims: Vec<i64>,
    /// ONNX `TensorProto.DataType` (1 float, 2 uint8, 3 int8, 6 int32, 7 int64).
    pub data_type: i32,
    pub raw: &'a [u8],
}

/// A protobuf wire-format reader over a byte slice.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

pub(crate) enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.buf.get(self.pos)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let bytes = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    /// The next field number and value; `None` at the end, `Some(Err)` on malformed input.
    pub(crate) fn next(&mut self) -> Option<Result<(u64, Field<'a>), ()>> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let Some(key) = self.varint() else {
            return Some(Err(()));
        };
        let field = match key & 7 {
            0 => self.varint().map(Field::Varint),
            1 => self.take(8).map(|_| Field::Fixed),
            2 => self
                .varint()
                .and_then(|n| usize::try_from(n).ok())
                .and_then(|n| self.take(n))
                .map(Field::Bytes),
            5 => self.take(4).map(|_| Field::Fixed),
            _ => None,
        };
        Some(field.map(|f| (key >> 3, f)).ok_or(()))
    }
}

/// The top-level initializers of `model` (ONNX protobuf bytes) stored as `raw_data`. `None` when
/// the bytes are not a well-formed model.
pub(crate) fn raw_initializers(model: &[u8]) -> Option<Vec<RawInitializer<'_>>> {
    let mut out = Vec::new();
    let mut top = Reader::new(model);
    while let Some(field) = top.next() {
        let (number, value) = field.ok()?;
        if let (7, Field::Bytes(graph)) = (number, value) {
            let mut g = Reader::new(graph);
            while let Some(field) = g.next() {
                let (number, value) = field.ok()?;
                if let (5, Field::Bytes(tensor)) = (number, value)
                    && let Some(init) = tensor_proto(tensor)?
                {
                    out.push(init);
                }
            }
        }
    }
    Some(out)
}

/// A `TensorProto` with raw data; `Some(None)` for one stored otherwise, `None` when malformed.
fn tensor_proto(bytes: &[u8]) -> Option<Option<RawInitializer<'_>>> {
    let mut r = Reader::new(bytes);
    let (mut name, mut dims, mut data_type, mut raw, mut external) =
        (None, Vec::new(), 0, None, false);
    while let Some(field) = r.next() {
        match field.ok()? {
            (1, Field::Varint(d)) => dims.push(i64::try_from(d).ok()?),
            (1, Field::Bytes(packed)) => {
                let mut p = Reader::new(packed);
                while p.pos < packed.len() {
                    dims.push(i64::try_from(p.varint()?).ok()?);
                }
            }
            (2, Field::Varint(t)) => data_type = i32::try_from(t).ok()?,
            (8, Field::Bytes(n)) => name = Some(std::str::from_utf8(n).ok()?),
            (9, Field::Bytes(data)) => raw = Some(data),
            (14, Field::Varint(1)) => external = true,
            _ => {}
        }
    }
    Some(match (name, raw, external) {
        (Some(name), Some(raw), false) => Some(RawInitializer {
            name,
            dims,
            data_type,
            raw,
        }),
        _ => None,
    })
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(u8::try_from(v & 0x7f).unwrap_or(0) | 0x80);
        v >>= 7;
    }
    out.push(u8::try_from(v).unwrap_or(0));
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    put_varint(out, (field << 3) | 2);
    put_varint(out, u64::try_from(bytes.len()).unwrap_or(u64::MAX));
    out.extend_from_slice(bytes);
}

/// `model` with the `raw_data` of the initializers `strip` selects replaced by a reference to the
/// same bytes in the model file `location` (ONNX external data: `location`, `offset`, `length`;
/// `data_location = EXTERNAL`). Their name, type and dims stay. This is the graph ONNX Runtime
/// parses when those initializers are supplied through `AddInitializer`: it never copies their
/// bytes again, and the reference keeps the model valid for its checks.
pub(crate) fn strip_initializers(
    model: &[u8],
    location: &str,
    strip: &dyn Fn(&str) -> bool,
) -> Option<Vec<u8>> {
    // ModelProto.graph (7) -> GraphProto.initializer (5) -> TensorProto.raw_data (9).
    rewrite_fields(model, |number, field, out| {
        let (7, Field::Bytes(graph)) = (number, field) else {
            return Some(false);
        };
        let new_graph = rewrite_fields(graph, |number, field, out| {
            let (5, Field::Bytes(tensor)) = (number, field) else {
                return Some(false);
            };
            if !tensor_proto(tensor)?.is_some_and(|t| strip(t.name)) {
                return Some(false);
            }
            let new_tensor = rewrite_fields(tensor, |number, field, out| {
                let (9, Field::Bytes(data)) = (number, field) else {
                    return Some(false);
                };
                // `data` is a subslice of `model`: its offset in the file.
                let offset = (data.as_ptr() as usize).checked_sub(model.as_ptr() as usize)?;
                for (k, v) in [
                    ("location", location.to_string()),
                    ("offset", offset.to_string()),
                    ("length", data.len().to_string()),
                ] {
                    let mut entry = Vec::new();
                    put_bytes(&mut entry, 1, k.as_bytes());
                    put_bytes(&mut entry, 2, v.as_bytes());
                    put_bytes(out, 13, &entry);
                }
                put_varint(out, 14 << 3);
                put_varint(out, 1);
                Some(true)
            })?;
            put_bytes(out, 5, &new_tensor);
            Some(true)
        })?;
        put_bytes(out, 7, &new_graph);
        Some(true)
    })
}

/// `message` (protobuf) written again field by field: `rewrite` either appends its own encoding
/// of a field to the output and returns `Some(true)`, or returns `Some(false)` to keep the
/// field's bytes as they are. `None` for a malformed message or when `rewrite` gives `None`.
fn rewrite_fields<'a>(
    message: &'a [u8],
    mut rewrite: impl FnMut(u64, Field<'a>, &mut Vec<u8>) -> Option<bool>,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(message.len() / 16);
    let mut r = Reader::new(message);
    loop {
        let start = r.pos;
        let Some(field) = r.next() else { break };
        let (number, field) = field.ok()?;
        if !rewrite(number, field, &mut out)? {
            out.extend_from_slice(message.get(start..r.pos)?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model with one graph holding a node and two initializers (one raw, one typed).
    fn model() -> Vec<u8> {
        let mut raw_tensor = Vec::new();
        put_varint(&mut raw_tensor, 1 << 3);
        put_varint(&mut raw_tensor, 2);
        put_varint(&mut raw_tensor, 1 << 3);
        put_varint(&mut raw_tensor, 3);
        put_varint(&mut raw_tensor, 2 << 3);
        put_varint(&mut raw_tensor, 2);
        put_bytes(&mut raw_tensor, 8, b"w");
        put_bytes(&mut raw_tensor, 9, &[1, 2, 3, 4, 5, 6]);
        let mut typed = Vec::new();
        put_bytes(&mut typed, 8, b"shape");
        put_bytes(&mut typed, 7, &[4, 5]);
        let mut node = Vec::new();
        put_bytes(&mut node, 1, b"w");
        put_bytes(&mut node, 4, b"ConvInteger");
        let mut graph = Vec::new();
        put_bytes(&mut graph, 1, &node);
        put_bytes(&mut graph, 5, &raw_tensor);
        put_bytes(&mut graph, 5, &typed);
        let mut model = Vec::new();
        put_varint(&mut model, 1 << 3);
        put_varint(&mut model, 9);
        put_bytes(&mut model, 7, &graph);
        model
    }

    #[test]
    fn raw_initializers_are_found_with_name_dims_and_type() {
        let m = model();
        let inits = raw_initializers(&m).unwrap();
        assert_eq!(inits.len(), 1);
        assert_eq!(inits[0].name, "w");
        assert_eq!(inits[0].dims, vec![2, 3]);
        assert_eq!(inits[0].data_type, 2);
        assert_eq!(inits[0].raw, &[1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn stripping_replaces_raw_data_by_a_reference_into_the_file() {
        let m = model();
        let offset = m.windows(6).position(|w| w == [1, 2, 3, 4, 5, 6]).unwrap();
        let stripped = strip_initializers(&m, "model.onnx", &|n| n == "w").unwrap();
        assert!(
            raw_initializers(&stripped).unwrap().is_empty(),
            "no raw data left"
        );
        let text = String::from_utf8_lossy(&stripped);
        assert!(text.contains("model.onnx"));
        assert!(text.contains(&offset.to_string()));
        assert!(text.contains("ConvInteger"), "nodes are kept");
        assert!(text.contains("shape"), "other initializers are kept");
        let kept = strip_initializers(&m, "model.onnx", &|_| false).unwrap();
        assert_eq!(kept, m, "stripping nothing re-encodes the same bytes");
    }

    #[test]
    fn malformed_bytes_are_rejected_not_panicked_on() {
        assert!(raw_initializers(&[0x3a, 0xff, 0xff]).is_none());
        assert!(strip_initializers(&[0x3a, 0x05, 0x01], "m", &|_| true).is_none());
        for len in 0..model().len() {
            let _ = raw_initializers(&model()[..len]);
            let _ = strip_initializers(&model()[..len], "m", &|_| true);
        }
    }
}
