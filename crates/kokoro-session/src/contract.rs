//! What the model's inputs and outputs look like ([`ModelInfo`]) and how to drive them ([`Contract`]).

use std::fmt;

use crate::error::{Error, ErrorKind, Result};

/// One input or output of the model, as ONNX Runtime reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorDesc {
    /// Tensor name, e.g. `tokens`.
    pub name: String,
    /// Element type in ONNX spelling: `float32`, `int64`, `int32`, ... (`sequence`/`map`/`optional` for non-tensors).
    pub dtype: String,
    /// Dimensions, `-1` for a dynamic one (empty for non-tensors).
    pub shape: Vec<i64>,
}

impl TensorDesc {
    /// Convenience constructor.
    pub fn new(
        name: impl Into<String>,
        dtype: impl Into<String>,
        shape: impl Into<Vec<i64>>,
    ) -> Self {
        Self {
            name: name.into(),
            dtype: dtype.into(),
            shape: shape.into(),
        }
    }
}

impl fmt::Display for TensorDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {:?}", self.name, self.dtype, self.shape)
    }
}

/// The model's declared inputs and outputs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelInfo {
    /// Inputs in declaration order.
    pub inputs: Vec<TensorDesc>,
    /// Outputs in declaration order.
    pub outputs: Vec<TensorDesc>,
}

impl ModelInfo {
    /// The input named `name`.
    pub fn input(&self, name: &str) -> Option<&TensorDesc> {
        self.inputs.iter().find(|t| t.name == name)
    }

    /// The output named `name`.
    pub fn output(&self, name: &str) -> Option<&TensorDesc> {
        self.outputs.iter().find(|t| t.name == name)
    }
}

impl fmt::Display for ModelInfo {
    /// `inputs: tokens int64 [1, -1], ...; outputs: audio float32 [-1]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "inputs: {}; outputs: {}",
            list(&self.inputs),
            list(&self.outputs)
        )
    }
}

fn list(descs: &[TensorDesc]) -> String {
    if descs.is_empty() {
        return "none".to_owned();
    }
    descs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Element type of the token input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenType {
    /// `int64` (kokoro-onnx, transformers.js exports).
    Int64,
    /// `int32` (hexgrad's export script).
    Int32,
}

/// Element type of the speed input.
///
/// An integer speed cannot express 1.3: [`KokoroSession::run`](crate::KokoroSession::run) rounds
/// the requested speed to the nearest integer, at least 1, and logs the change at debug level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpeedType {
    /// `float32`: any positive speed is passed through.
    Float32,
    /// `int32`: rounded.
    Int32,
    /// `int64`: rounded.
    Int64,
}

/// The names and types to feed and read, derived from [`ModelInfo`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Token ids input (`tokens` or `input_ids`).
    pub token_input: String,
    /// Token ids element type.
    pub token_type: TokenType,
    /// Style vector input (`style` or `ref_s`), float32 `[1, 256]`.
    pub style_input: String,
    /// Speed input (`speed`).
    pub speed_input: String,
    /// Speed element type.
    pub speed_type: SpeedType,
    /// Audio output (`audio`, `waveform`, or the only other float32 output), float32.
    pub audio_output: String,
    /// Per-token durations output (`durations` or `duration`), if the export has one.
    pub durations_output: Option<String>,
}

const TOKEN_NAMES: [&str; 2] = ["tokens", "input_ids"];
const STYLE_NAMES: [&str; 2] = ["style", "ref_s"];
const SPEED_NAMES: [&str; 1] = ["speed"];
const AUDIO_NAMES: [&str; 2] = ["audio", "waveform"];
const DURATION_NAMES: [&str; 2] = ["durations", "duration"];
const DURATION_TYPES: [&str; 4] = ["float32", "int64", "int32", "float64"];

impl Contract {
    /// Matches `info` against the known Kokoro exports:
    ///
    /// | role | names | types |
    /// | --- | --- | --- |
    /// | tokens | `tokens`, `input_ids` | int64, int32 |
    /// | style | `style`, `ref_s` | float32 |
    /// | speed | `speed` | float32, int32, int64 |
    /// | audio | `audio`, `waveform`, else the only float32 output that is not durations | float32 |
    /// | durations (optional) | `durations`, `duration` | float32, float64, int64, int32 |
    ///
    /// Any other input makes the contract unsupported (the engine could not feed it).
    /// Errors are [`ErrorKind::UnsupportedContract`] and name what was found.
    ///
    /// ```
    /// use kokoro_session::SpeedType;
    /// use kokoro_session::{Contract, ModelInfo, TensorDesc};
    ///
    /// let info = ModelInfo {
    ///     inputs: vec![
    ///         TensorDesc::new("tokens", "int64", [1, -1]),
    ///         TensorDesc::new("style", "float32", [1, 256]),
    ///         TensorDesc::new("speed", "float32", [1]),
    ///     ],
    ///     outputs: vec![TensorDesc::new("audio", "float32", [-1])],
    /// };
    /// let c = Contract::from_info(&info).unwrap();
    /// assert_eq!(c.token_input, "tokens");
    /// assert_eq!(c.speed_type, SpeedType::Float32);
    /// ```
    pub fn from_info(info: &ModelInfo) -> Result<Contract> {
        let (token, token_type) = token_input(info)?;
        let style = style_input(info)?;
        let (speed, speed_type) = speed_input(info)?;
        let extra: Vec<&str> = info
            .inputs
            .iter()
            .map(|t| t.name.as_str())
            .filter(|n| *n != token.name && *n != style.name && *n != speed.name)
            .collect();
        if !extra.is_empty() {
            return Err(unsupported(info, format!("unexpected inputs {extra:?}")));
        }
        let durations = durations_output(info)?;
        let audio = audio_output(info)?;
        Ok(Contract {
            token_input: token.name.clone(),
            token_type,
            style_input: style.name.clone(),
            speed_input: speed.name.clone(),
            speed_type,
            audio_output: audio.name.clone(),
            durations_output: durations.map(|d| d.name.clone()),
        })
    }
}

/// The [`ErrorKind::UnsupportedContract`] error for `info`: `what` is wrong, and what was found.
fn unsupported(info: &ModelInfo, what: impl fmt::Display) -> Error {
    Error::new(
        ErrorKind::UnsupportedContract,
        format!(
            "unsupported model contract: {what} (inputs: {}; outputs: {}): use a kokoro export \
             (kokoro-onnx, onnx-community or hexgrad) or run `kokoro fetch-model`",
            list(&info.inputs),
            list(&info.outputs)
        ),
    )
}

/// The first input whose name is one of `names`.
fn find_input<'a>(info: &'a ModelInfo, names: &[&str]) -> Option<&'a TensorDesc> {
    info.inputs
        .iter()
        .find(|t| names.contains(&t.name.as_str()))
}

fn token_input(info: &ModelInfo) -> Result<(&TensorDesc, TokenType)> {
    let token = find_input(info, &TOKEN_NAMES)
        .ok_or_else(|| unsupported(info, "no token input named `tokens` or `input_ids`"))?;
    let token_type = match token.dtype.as_str() {
        "int64" => TokenType::Int64,
        "int32" => TokenType::Int32,
        other => {
            return Err(unsupported(
                info,
                format!(
                    "token input `{}` has type {other}, not int64/int32",
                    token.name
                ),
            ));
        }
    };
    Ok((token, token_type))
}

fn style_input(info: &ModelInfo) -> Result<&TensorDesc> {
    let style = find_input(info, &STYLE_NAMES)
        .ok_or_else(|| unsupported(info, "no style input named `style` or `ref_s`"))?;
    float32(info, "style input", style)
}

/// `tensor` when it is float32; else the error naming its `role`.
fn float32<'a>(info: &ModelInfo, role: &str, tensor: &'a TensorDesc) -> Result<&'a TensorDesc> {
    if tensor.dtype == "float32" {
        return Ok(tensor);
    }
    Err(unsupported(
        info,
        format!(
            "{role} `{}` has type {}, not float32",
            tensor.name, tensor.dtype
        ),
    ))
}

fn speed_input(info: &ModelInfo) -> Result<(&TensorDesc, SpeedType)> {
    let speed =
        find_input(info, &SPEED_NAMES).ok_or_else(|| unsupported(info, "no `speed` input"))?;
    let speed_type = match speed.dtype.as_str() {
        "float32" => SpeedType::Float32,
        "int32" => SpeedType::Int32,
        "int64" => SpeedType::Int64,
        other => {
            return Err(unsupported(
                info,
                format!("speed input has type {other}, not float32/int32/int64"),
            ));
        }
    };
    Ok((speed, speed_type))
}

/// The optional durations output, checked for a known type.
fn durations_output(info: &ModelInfo) -> Result<Option<&TensorDesc>> {
    let durations = info
        .outputs
        .iter()
        .find(|t| DURATION_NAMES.contains(&t.name.as_str()));
    if let Some(d) = durations
        && !DURATION_TYPES.contains(&d.dtype.as_str())
    {
        return Err(unsupported(
            info,
            format!("durations output `{}` has type {}", d.name, d.dtype),
        ));
    }
    Ok(durations)
}

/// The audio output: `audio` or `waveform`, else the only float32 output that is not durations.
fn audio_output(info: &ModelInfo) -> Result<&TensorDesc> {
    let audio = match info
        .outputs
        .iter()
        .find(|t| AUDIO_NAMES.contains(&t.name.as_str()))
    {
        Some(a) => a,
        None => {
            let floats: Vec<&TensorDesc> = info
                .outputs
                .iter()
                .filter(|t| t.dtype == "float32" && !DURATION_NAMES.contains(&t.name.as_str()))
                .collect();
            match floats.as_slice() {
                [only] => *only,
                [] => {
                    return Err(unsupported(
                        info,
                        "no audio output (`audio`, `waveform` or a float32 output)",
                    ));
                }
                _ => {
                    return Err(unsupported(
                        info,
                        "no output named `audio` or `waveform` and several float32 outputs to choose from",
                    ));
                }
            }
        }
    };
    float32(info, "audio output", audio)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(inputs: &[(&str, &str)], outputs: &[(&str, &str)]) -> ModelInfo {
        ModelInfo {
            inputs: inputs
                .iter()
                .map(|(n, t)| TensorDesc::new(*n, *t, [1, -1]))
                .collect(),
            outputs: outputs
                .iter()
                .map(|(n, t)| TensorDesc::new(*n, *t, [-1]))
                .collect(),
        }
    }

    #[test]
    fn kokoro_onnx_contract() {
        let c = Contract::from_info(&info(
            &[
                ("tokens", "int64"),
                ("style", "float32"),
                ("speed", "float32"),
            ],
            &[("audio", "float32")],
        ))
        .unwrap();
        assert_eq!(c.token_input, "tokens");
        assert_eq!(c.token_type, TokenType::Int64);
        assert_eq!(c.style_input, "style");
        assert_eq!(c.speed_input, "speed");
        assert_eq!(c.speed_type, SpeedType::Float32);
        assert_eq!(c.audio_output, "audio");
        assert_eq!(c.durations_output, None);
    }

    #[test]
    fn transformersjs_timestamped_contract() {
        let c = Contract::from_info(&info(
            &[
                ("input_ids", "int64"),
                ("style", "float32"),
                ("speed", "float32"),
            ],
            &[("waveform", "float32"), ("durations", "float32")],
        ))
        .unwrap();
        assert_eq!(c.token_input, "input_ids");
        assert_eq!(c.audio_output, "waveform");
        assert_eq!(c.durations_output.as_deref(), Some("durations"));
    }

    #[test]
    fn hexgrad_int_contract_in_any_order() {
        let c = Contract::from_info(&info(
            &[
                ("speed", "int32"),
                ("ref_s", "float32"),
                ("input_ids", "int32"),
            ],
            &[("duration", "int64"), ("waveform", "float32")],
        ))
        .unwrap();
        assert_eq!(c.token_type, TokenType::Int32);
        assert_eq!(c.speed_type, SpeedType::Int32);
        assert_eq!(c.style_input, "ref_s");
        assert_eq!(c.durations_output.as_deref(), Some("duration"));
    }

    #[test]
    fn only_float_output_is_audio() {
        let c = Contract::from_info(&info(
            &[
                ("tokens", "int64"),
                ("style", "float32"),
                ("speed", "float32"),
            ],
            &[("out", "float32"), ("durations", "float32")],
        ))
        .unwrap();
        assert_eq!(c.audio_output, "out");
        let err = Contract::from_info(&info(
            &[
                ("tokens", "int64"),
                ("style", "float32"),
                ("speed", "float32"),
            ],
            &[("a", "float32"), ("b", "float32")],
        ))
        .unwrap_err();
        assert!(err.is_unsupported_contract());
    }

    #[test]
    fn unsupported_contracts_name_what_was_found() {
        let cases: Vec<(ModelInfo, &str)> = vec![
            (info(&[("foo", "float32")], &[("audio", "float32")]), "foo"),
            (
                info(
                    &[
                        ("tokens", "float32"),
                        ("style", "float32"),
                        ("speed", "float32"),
                    ],
                    &[("audio", "float32")],
                ),
                "token input",
            ),
            (
                info(
                    &[("tokens", "int64"), ("speed", "float32")],
                    &[("audio", "float32")],
                ),
                "style",
            ),
            (
                info(
                    &[("tokens", "int64"), ("style", "float32")],
                    &[("audio", "float32")],
                ),
                "speed",
            ),
            (
                info(
                    &[
                        ("tokens", "int64"),
                        ("style", "float16"),
                        ("speed", "float32"),
                    ],
                    &[("audio", "float32")],
                ),
                "float16",
            ),
            (
                info(
                    &[("tokens", "int64"), ("style", "float32"), ("speed", "bool")],
                    &[("audio", "float32")],
                ),
                "bool",
            ),
            (
                info(
                    &[
                        ("tokens", "int64"),
                        ("style", "float32"),
                        ("speed", "float32"),
                        ("mask", "int64"),
                    ],
                    &[("audio", "float32")],
                ),
                "mask",
            ),
            (
                info(
                    &[
                        ("tokens", "int64"),
                        ("style", "float32"),
                        ("speed", "float32"),
                    ],
                    &[("audio", "float16")],
                ),
                "float16",
            ),
            (
                info(
                    &[
                        ("tokens", "int64"),
                        ("style", "float32"),
                        ("speed", "float32"),
                    ],
                    &[],
                ),
                "no audio output",
            ),
        ];
        for (info, needle) in cases {
            let err = Contract::from_info(&info).unwrap_err();
            assert!(err.is_unsupported_contract(), "{err}");
            assert!(err.to_string().contains(needle), "{needle:?} not in {err}");
        }
    }
}
