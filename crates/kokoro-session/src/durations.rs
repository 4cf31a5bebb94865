//! Per-token durations out of the model, even when its export does not list them as an output.
//!
//! Kokoro's duration predictor ends in the same few operators in every export: the predicted
//! durations are rounded, clipped to at least one frame and cast to int64, and that integer
//! tensor (one value per input id, both pads included) feeds the `CumSum` that places every
//! token's frames. The int8 v1.0 file computes it as `/encoder/Cast_output_0` but outputs only
//! `audio`; other exports name it differently, or output it as `duration`/`durations`.
//!
//! At load time `duration_tensor` finds that tensor **by the graph's structure**
//! (`Round` → `Clip` → `Cast` to int64 → `CumSum`), not by its name, and `with_output` lists it
//! as a graph output by appending a few protobuf bytes to the model bytes: a protobuf message is
//! the merge of its fields, so a second `graph` field (7) holding one `output` (12) adds that
//! output without re-encoding the model. The file on disk is never changed. Listing the tensor
//! leaves the audio bit-identical (it is computed anyway).
//!
//! Every run checks what it got ([`Durations::check`]): one integral, non-negative value per
//! padded id, summing to the audio's length in frames of [`SAMPLES_PER_FRAME`] samples. Anything
//! else makes the durations [`Durations::Unavailable`], with the reason: never wrong numbers.

use std::collections::HashMap;

use crate::error::{Error, ErrorKind, Result};
use crate::onnx_weights::{Field, Reader, put_bytes, put_varint};

/// Audio samples per duration frame (24 kHz / 600 = 40 frames a second, 25 ms each).
pub const SAMPLES_PER_FRAME: usize = 600;

/// ONNX `TensorProto.DataType` of int64.
const INT64: u64 = 7;

/// Operators that move or select values without computing new ones.
const RESHAPING: [&str; 6] = [
    "Gather",
    "Squeeze",
    "Unsqueeze",
    "Reshape",
    "Identity",
    "Flatten",
];

/// Where a session's per-token durations come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DurationSource {
    /// The export lists them as an output of this name (`duration`, `durations`).
    Output(String),
    /// Found inside the graph by its structure and added as an output at load time.
    Graph(String),
}

impl DurationSource {
    /// The output name the session reads.
    pub fn name(&self) -> &str {
        match self {
            Self::Output(name) | Self::Graph(name) => name,
        }
    }
}

impl std::fmt::Display for DurationSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Output(name) => write!(f, "output `{name}`"),
            Self::Graph(name) => write!(f, "`{name}` (found in the graph, added as an output)"),
        }
    }
}

/// The per-token durations of one run, checked against its audio.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durations {
    /// Frames of [`SAMPLES_PER_FRAME`] samples for each padded id (`[0, ids.., 0]`, so
    /// `ids.len() + 2` values); they sum to the audio's length in frames exactly. The speed is
    /// applied already. The first pad holds the lead-in silence.
    Frames(Vec<u32>),
    /// The model gives no durations, or they failed the checks: why, in words.
    Unavailable(String),
}

impl Durations {
    /// Checks `raw` (the model's durations, if any) for a run of `ids` ids that gave `samples`
    /// samples: one integral, non-negative value per padded id, `sum × 600 == samples`.
    pub fn check(raw: Option<&[f64]>, ids: usize, samples: usize) -> Durations {
        let Some(raw) = raw else {
            return Self::Unavailable("the model has no duration output".to_owned());
        };
        if raw.len() != ids + 2 {
            return Self::Unavailable(format!(
                "the model gave {} durations for {} padded ids",
                raw.len(),
                ids + 2
            ));
        }
        let mut frames = Vec::with_capacity(raw.len());
        for &d in raw {
            let whole = d.round();
            if !d.is_finite() || d < 0.0 || (d - whole).abs() > 1e-3 || whole > f64::from(u32::MAX)
            {
                return Self::Unavailable(format!(
                    "the model gave a duration of {d}, not a whole number of frames"
                ));
            }
            // In 0..=u32::MAX and whole: exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            frames.push(whole as u32);
        }
        let total: u64 = frames.iter().map(|&f| u64::from(f)).sum();
        let expected = total.saturating_mul(SAMPLES_PER_FRAME as u64);
        if expected != samples as u64 {
            return Self::Unavailable(format!(
                "the durations add up to {total} frames ({expected} samples) but the audio has \
                 {samples} samples"
            ));
        }
        Self::Frames(frames)
    }

    /// The frames, or an [`ErrorKind::DurationsUnavailable`] error saying why there are none.
    pub fn frames(&self) -> Result<&[u32]> {
        match self {
            Self::Frames(frames) => Ok(frames),
            Self::Unavailable(why) => Err(Error::new(
                ErrorKind::DurationsUnavailable,
                format!(
                    "word timings are unavailable: {why}; the audio is unaffected (use a kokoro \
                     export whose duration predictor ends in round, clip, cast and cumsum, such \
                     as the int8 v1.0 file `kokoro fetch-model` fetches)"
                ),
            )),
        }
    }

    /// Whether the frames are there.
    pub fn is_available(&self) -> bool {
        matches!(self, Self::Frames(_))
    }
}

/// One node of the graph: its operator, inputs, outputs and its `to` attribute (for `Cast`).
#[derive(Debug, Default)]
struct Node<'a> {
    op: &'a str,
    inputs: Vec<&'a str>,
    outputs: Vec<&'a str>,
    cast_to: Option<u64>,
}

/// The top-level nodes and output names of `model` (ONNX protobuf); `None` when malformed.
fn graph_nodes(model: &[u8]) -> Option<(Vec<Node<'_>>, Vec<&str>)> {
    let (mut nodes, mut outputs) = (Vec::new(), Vec::new());
    let mut top = Reader::new(model);
    while let Some(field) = top.next() {
        let (7, Field::Bytes(graph)) = field.ok()? else {
            continue;
        };
        let mut g = Reader::new(graph);
        while let Some(field) = g.next() {
            match field.ok()? {
                (1, Field::Bytes(node)) => nodes.push(node_proto(node)?),
                (12, Field::Bytes(value_info)) => {
                    let mut v = Reader::new(value_info);
                    while let Some(field) = v.next() {
                        if let (1, Field::Bytes(name)) = field.ok()? {
                            outputs.push(std::str::from_utf8(name).ok()?);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Some((nodes, outputs))
}

/// `NodeProto`: input (1), output (2), op_type (4), attribute (5: name 1, i 3).
fn node_proto(bytes: &[u8]) -> Option<Node<'_>> {
    fn text(b: &[u8]) -> Option<&str> {
        std::str::from_utf8(b).ok()
    }
    let mut node = Node::default();
    let mut r = Reader::new(bytes);
    while let Some(field) = r.next() {
        match field.ok()? {
            (1, Field::Bytes(name)) => node.inputs.push(text(name)?),
            (2, Field::Bytes(name)) => node.outputs.push(text(name)?),
            (4, Field::Bytes(op)) => node.op = text(op)?,
            (5, Field::Bytes(attribute)) => {
                let (mut name, mut int) = ("", None);
                let mut a = Reader::new(attribute);
                while let Some(field) = a.next() {
                    match field.ok()? {
                        (1, Field::Bytes(n)) => name = text(n)?,
                        (3, Field::Varint(i)) => int = Some(i),
                        _ => {}
                    }
                }
                if name == "to" {
                    node.cast_to = int;
                }
            }
            _ => {}
        }
    }
    Some(node)
}

/// Where the durations of `model` (ONNX protobuf bytes) are, if anywhere: the int64 `Cast` of
/// the rounded (`Round`) and clipped (`Clip`) durations that feeds a `CumSum` (directly or
/// through ops that only reshape or select, such as a `Gather` of batch 0), found by the graph's
/// structure. `Output` when that tensor is already a graph output, `Graph` when it must
/// be added ([`with_output`]); `None` when the graph has no such chain (or cannot be read).
pub(crate) fn duration_tensor(model: &[u8]) -> Option<DurationSource> {
    let (nodes, outputs) = graph_nodes(model)?;
    let producer: HashMap<&str, &Node<'_>> = nodes
        .iter()
        .flat_map(|n| n.outputs.iter().map(move |o| (*o, n)))
        .collect();
    let made_by = |tensor: &str, op: &str| producer.get(tensor).copied().filter(|n| n.op == op);
    let found = nodes
        .iter()
        .filter(|n| n.op == "CumSum")
        .find_map(|cumsum| {
            // Back from the CumSum through the ops that only reshape (the int8 v1.0 file takes
            // batch 0 with a `Gather`) to the Cast.
            let mut input = *cumsum.inputs.first()?;
            for _ in 0..4 {
                match producer.get(input) {
                    Some(n) if RESHAPING.contains(&n.op) => input = n.inputs.first()?,
                    _ => break,
                }
            }
            let cast = made_by(input, "Cast").filter(|c| c.cast_to == Some(INT64))?;
            let clip = made_by(cast.inputs.first()?, "Clip")?;
            made_by(clip.inputs.first()?, "Round")?;
            Some(input)
        })?;
    Some(if outputs.contains(&found) {
        DurationSource::Output(found.to_owned())
    } else {
        DurationSource::Graph(found.to_owned())
    })
}

/// The protobuf bytes that, appended to a model's bytes, add `name` as an int64 graph output: a
/// `ModelProto.graph` (7) holding one `GraphProto.output` (12), a `ValueInfoProto` with the name
/// (1) and the type (2: `TypeProto.tensor_type` (1) with `elem_type` (1) int64; shape left
/// unknown).
pub(crate) fn output_suffix(name: &str) -> Vec<u8> {
    let mut elem = Vec::new();
    put_varint(&mut elem, 1 << 3);
    put_varint(&mut elem, INT64);
    let mut type_proto = Vec::new();
    put_bytes(&mut type_proto, 1, &elem);
    let mut value_info = Vec::new();
    put_bytes(&mut value_info, 1, name.as_bytes());
    put_bytes(&mut value_info, 2, &type_proto);
    let mut graph = Vec::new();
    put_bytes(&mut graph, 12, &value_info);
    let mut suffix = Vec::new();
    put_bytes(&mut suffix, 7, &graph);
    suffix
}

/// `model` with `source`'s tensor listed as an output when it is not one already.
pub(crate) fn with_output(mut model: Vec<u8>, source: Option<&DurationSource>) -> Vec<u8> {
    if let Some(DurationSource::Graph(name)) = source {
        model.extend_from_slice(&output_suffix(name));
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(op: &str, inputs: &[&str], outputs: &[&str], to: Option<u64>) -> Vec<u8> {
        let mut n = Vec::new();
        for i in inputs {
            put_bytes(&mut n, 1, i.as_bytes());
        }
        for o in outputs {
            put_bytes(&mut n, 2, o.as_bytes());
        }
        put_bytes(&mut n, 4, op.as_bytes());
        if let Some(to) = to {
            let mut a = Vec::new();
            put_bytes(&mut a, 1, b"to");
            put_varint(&mut a, 3 << 3);
            put_varint(&mut a, to);
            put_bytes(&mut n, 5, &a);
        }
        n
    }

    /// A graph of the nodes, with `audio` (and `extra`) as outputs.
    fn model(nodes: &[Vec<u8>], extra: Option<&str>) -> Vec<u8> {
        let mut graph = Vec::new();
        for n in nodes {
            put_bytes(&mut graph, 1, n);
        }
        for out in std::iter::once("audio").chain(extra) {
            let mut v = Vec::new();
            put_bytes(&mut v, 1, out.as_bytes());
            put_bytes(&mut graph, 12, &v);
        }
        let mut m = Vec::new();
        put_varint(&mut m, 1 << 3);
        put_varint(&mut m, 8);
        put_bytes(&mut m, 7, &graph);
        m
    }

    fn kokoro_chain(to: u64) -> Vec<Vec<u8>> {
        vec![
            node("Sigmoid", &["x"], &["sig"], None),
            node("ReduceSum", &["sig"], &["sum"], None),
            node("Div", &["sum", "speed"], &["div"], None),
            node("Round", &["div"], &["round"], None),
            node("Clip", &["round", "one"], &["clip"], None),
            node("Cast", &["clip"], &["dur"], Some(to)),
            node("Gather", &["dur", "zero"], &["dur0"], None),
            node("CumSum", &["dur0", "axis"], &["cum"], None),
        ]
    }

    #[test]
    fn the_duration_tensor_is_found_by_structure_not_name() {
        let m = model(&kokoro_chain(INT64), None);
        assert_eq!(
            duration_tensor(&m),
            Some(DurationSource::Graph("dur".into()))
        );
        let listed = model(&kokoro_chain(INT64), Some("dur"));
        assert_eq!(
            duration_tensor(&listed),
            Some(DurationSource::Output("dur".into()))
        );
    }

    #[test]
    fn other_chains_are_not_durations() {
        // Cast to float, no Round, no CumSum: none of them is the duration tensor.
        assert_eq!(duration_tensor(&model(&kokoro_chain(1), None)), None);
        let mut no_round = kokoro_chain(INT64);
        no_round[3] = node("Floor", &["div"], &["round"], None);
        assert_eq!(duration_tensor(&model(&no_round, None)), None);
        let mut no_cumsum = kokoro_chain(INT64);
        no_cumsum.pop();
        assert_eq!(duration_tensor(&model(&no_cumsum, None)), None);
        assert_eq!(duration_tensor(&[0x3a, 0xff, 0xff]), None);
        assert_eq!(duration_tensor(&[]), None);
    }

    #[test]
    fn the_suffix_merges_into_the_graph_as_one_more_output() {
        let m = model(&kokoro_chain(INT64), None);
        let found = duration_tensor(&m);
        let extended = with_output(m.clone(), found.as_ref());
        assert_eq!(
            &extended[..m.len()],
            &m[..],
            "the model's own bytes are kept"
        );
        let (nodes, outputs) = graph_nodes(&extended).unwrap();
        assert_eq!(nodes.len(), 8);
        assert_eq!(outputs, ["audio", "dur"]);
        assert_eq!(
            duration_tensor(&extended),
            Some(DurationSource::Output("dur".into()))
        );
        // Already an output: nothing appended.
        let listed = model(&kokoro_chain(INT64), Some("dur"));
        let source = duration_tensor(&listed);
        assert_eq!(with_output(listed.clone(), source.as_ref()), listed);
    }

    #[test]
    fn durations_are_checked_against_the_ids_and_the_audio() {
        let ok = Durations::check(Some(&[13.0, 2.0, 3.0, 1.0]), 2, 19 * 600);
        assert_eq!(ok, Durations::Frames(vec![13, 2, 3, 1]));
        assert_eq!(ok.frames().unwrap(), &[13, 2, 3, 1]);
        let cases: [(Option<&[f64]>, usize, usize, &str); 6] = [
            (None, 2, 600, "no duration output"),
            (Some(&[1.0, 2.0, 3.0]), 2, 3600, "3 durations for 4"),
            (Some(&[1.0, 2.0, 3.0, 4.0]), 2, 6600, "add up to 10 frames"),
            (Some(&[1.0, 2.5, 3.0, 4.0]), 2, 6300, "2.5"),
            (Some(&[1.0, -2.0, 3.0, 4.0]), 2, 3600, "-2"),
            (Some(&[1.0, f64::NAN, 3.0, 4.0]), 2, 3600, "NaN"),
        ];
        for (raw, ids, samples, needle) in cases {
            let d = Durations::check(raw, ids, samples);
            assert!(!d.is_available());
            let err = d.frames().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::DurationsUnavailable);
            assert!(err.to_string().contains(needle), "{needle:?} not in {err}");
            assert!(err.to_string().contains("audio is unaffected"), "{err}");
        }
        // Float durations that are whole numbers are accepted.
        assert!(Durations::check(Some(&[1.0, 1.0000001, 1.0]), 1, 1800).is_available());
    }
}
