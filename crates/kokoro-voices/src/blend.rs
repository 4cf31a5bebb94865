//! Voice blending: weighted means of style rows (`af_bella:0.7,am_adam:0.3`).

use std::fmt;

use crate::error::{Error, ErrorKind, Result};
use crate::pack::{STYLE_DIM, VoicePack};

/// A parsed blend spec: voice ids with weights that sum to 1.
///
/// Syntax: comma-separated `id` or `id:weight` parts, e.g. `af_bella:0.7,am_adam:0.3`.
/// - a bare id has weight 1, so `af_bella,am_adam` is an even mix;
/// - weights must be finite numbers greater than 0;
/// - weights are normalized to sum to 1 (`a:2,b:2` is `a:0.5,b:0.5`);
/// - a repeated id is merged by adding its weights (`a:1,b:1,a:2` is `a:0.75,b:0.25`);
/// - parts keep the order in which each id first appears.
///
/// [`Display`](fmt::Display) writes the canonical form (`af_bella:0.7,am_adam:0.3`, or just
/// the id for a single voice), which [`VoiceCatalog`](crate::VoiceCatalog) uses as a cache key.
#[derive(Debug, Clone, PartialEq)]
pub struct BlendSpec {
    /// `(voice id, weight)` pairs; weights are finite, > 0 and sum to 1. Private, so that no caller
    /// can break that invariant: read them with [`BlendSpec::parts`].
    parts: Vec<(String, f32)>,
}

impl BlendSpec {
    /// The `(voice id, weight)` pairs; the weights are finite, > 0 and sum to 1.
    pub fn parts(&self) -> &[(String, f32)] {
        &self.parts
    }

    /// Parses a blend spec.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidBlend`] for an empty spec or part, an empty id, a weight that is not a
    /// number, NaN, infinite, zero or negative, or weights whose sum overflows.
    ///
    /// ```
    /// use kokoro_voices::BlendSpec;
    /// let spec = BlendSpec::parse("af_bella:3,am_adam:1")?;
    /// assert_eq!(spec.parts(), [("af_bella".to_string(), 0.75), ("am_adam".to_string(), 0.25)]);
    /// assert_eq!(spec.to_string(), "af_bella:0.75,am_adam:0.25");
    /// assert!(BlendSpec::parse("af_bella:-1").unwrap_err().is_invalid_blend());
    /// # Ok::<(), kokoro_voices::Error>(())
    /// ```
    pub fn parse(spec: &str) -> Result<Self> {
        let bad = |detail: String| {
            Error::new(
                ErrorKind::InvalidBlend,
                format!(
                    "voice blend `{spec}` is invalid: {detail}; write it as `af_bella:0.7,am_adam:0.3` (weights > 0)"
                ),
            )
        };
        if spec.trim().is_empty() {
            return Err(bad("it is empty".into()));
        }
        let mut parts: Vec<(String, f32)> = Vec::new();
        for part in spec.split(',') {
            let part = part.trim();
            let (id, weight) = match part.split_once(':') {
                Some((id, w)) => {
                    let w = w.trim();
                    let weight: f32 = w
                        .parse()
                        .map_err(|_| bad(format!("weight `{w}` is not a number")))?;
                    (id.trim(), weight)
                }
                None => (part, 1.0),
            };
            if id.is_empty() {
                return Err(bad("a part has no voice id".into()));
            }
            if !weight.is_finite() || weight <= 0.0 {
                return Err(bad(format!(
                    "weight {weight} for `{id}` must be a finite number > 0"
                )));
            }
            match parts.iter_mut().find(|(existing, _)| existing == id) {
                Some((_, w)) => *w += weight,
                None => parts.push((id.to_owned(), weight)),
            }
        }
        let sum: f32 = parts.iter().map(|(_, w)| w).sum();
        if !sum.is_finite() || sum <= 0.0 {
            return Err(bad(format!("the weights sum to {sum}")));
        }
        for (_, w) in &mut parts {
            *w /= sum;
        }
        Ok(Self { parts })
    }

    /// The voice id when the spec names a single voice, else `None`.
    #[must_use]
    pub fn single(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [(id, _)] => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for BlendSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = self.single() {
            return f.write_str(id);
        }
        for (i, (id, w)) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{id}:{w}")?;
        }
        Ok(())
    }
}

/// Blends packs into one: row by row, the weighted mean of the packs' rows (computed in `f64`).
///
/// Weights need not sum to 1: they are normalized. When the packs have different row counts
/// the result has the smallest count (rows past it exist only in some packs and are dropped).
/// The result's id is the canonical blend spec (`af_bella:0.7,am_adam:0.3`).
///
/// # Errors
/// [`ErrorKind::InvalidBlend`] when `parts` is empty or a weight is not finite and > 0.
pub fn blend(parts: &[(&VoicePack, f32)]) -> Result<VoicePack> {
    let bad = |detail: String| {
        Error::new(
            ErrorKind::InvalidBlend,
            format!("cannot blend voices: {detail}"),
        )
    };
    if parts.is_empty() {
        return Err(bad("no voice given".into()));
    }
    if let Some((pack, w)) = parts.iter().find(|(_, w)| !w.is_finite() || *w <= 0.0) {
        return Err(bad(format!(
            "weight {w} for `{}` must be a finite number > 0",
            pack.id()
        )));
    }
    let sum: f64 = parts.iter().map(|(_, w)| f64::from(*w)).sum();
    let rows = parts.iter().map(|(p, _)| p.rows()).min().unwrap_or(0);
    if parts.iter().any(|(p, _)| p.rows() != rows) {
        tracing::debug!(
            rows,
            "blending packs with different row counts: using the smallest"
        );
    }
    let len = rows * STYLE_DIM;
    let mut acc = vec![0.0f64; len];
    for (pack, w) in parts {
        let w = f64::from(*w) / sum;
        for (a, v) in acc.iter_mut().zip(pack.values()) {
            *a += w * f64::from(*v);
        }
    }
    let values: Vec<f32> = acc.into_iter().map(|v| v as f32).collect();
    let spec = BlendSpec {
        parts: parts
            .iter()
            .map(|(p, w)| (p.id().to_owned(), (f64::from(*w) / sum) as f32))
            .collect(),
    };
    VoicePack::from_values(spec.to_string(), values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pack(id: &str, rows: usize, f: impl Fn(usize, usize) -> f32) -> VoicePack {
        let values = (0..rows * STYLE_DIM)
            .map(|i| f(i / STYLE_DIM, i % STYLE_DIM))
            .collect();
        VoicePack::from_values(id, values).unwrap()
    }

    #[test]
    fn parse_bare_id_and_weights() {
        let s = BlendSpec::parse("af_bella").unwrap();
        assert_eq!(s.parts, vec![("af_bella".to_string(), 1.0)]);
        assert_eq!(s.single(), Some("af_bella"));
        assert_eq!(s.to_string(), "af_bella");

        let s = BlendSpec::parse(" af_bella : 0.7 , am_adam:0.3 ").unwrap();
        assert_eq!(s.single(), None);
        let ids: Vec<_> = s.parts.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["af_bella", "am_adam"]);
        let sum = 0.7f32 + 0.3f32;
        assert_eq!(s.parts[0].1, 0.7 / sum);
        assert_eq!(s.parts[1].1, 0.3 / sum);

        let s = BlendSpec::parse("a:2,b:2").unwrap();
        assert_eq!(s.parts, vec![("a".into(), 0.5), ("b".into(), 0.5)]);
        let s = BlendSpec::parse("a,b").unwrap();
        assert_eq!(s.to_string(), "a:0.5,b:0.5");
        assert_eq!(
            BlendSpec::parse("af_bella:1").unwrap().to_string(),
            "af_bella"
        );
    }

    #[test]
    fn duplicate_ids_are_merged() {
        let s = BlendSpec::parse("a:1,b:1,a:2").unwrap();
        assert_eq!(s.parts, vec![("a".into(), 0.75), ("b".into(), 0.25)]);
    }

    #[test]
    fn malformed_specs_are_rejected() {
        for spec in [
            "",
            "  ",
            "a:NaN",
            "a:nan",
            "a:inf",
            "a:-0.3",
            "a:0",
            "a:0,b:0",
            "a:abc",
            "a:",
            ":0.5",
            "a,,b",
            "a:0.5,",
            "a:3e38,b:3e38",
        ] {
            let err = BlendSpec::parse(spec).unwrap_err();
            assert!(err.is_invalid_blend(), "{spec}: {err}");
            assert!(err.to_string().contains("is invalid"), "{spec}: {err}");
        }
    }

    #[test]
    fn blending_a_pack_with_itself_gives_the_pack() {
        let p = pack("af_bella", 4, |r, c| (r as f32) * 0.37 - (c as f32) * 0.011);
        for (w1, w2) in [(0.7, 0.3), (0.5, 0.5), (0.1, 5.0)] {
            let b = blend(&[(&p, w1), (&p, w2)]).unwrap();
            assert_eq!(b.values(), p.values());
        }
        let single = blend(&[(&p, 2.0)]).unwrap();
        assert_eq!(single.values(), p.values());
        assert_eq!(single.id(), "af_bella");
    }

    #[test]
    fn weighted_mean_math() {
        let a = pack("af_bella", 3, |r, c| (r * 10 + c) as f32 * 0.01);
        let b = pack("am_adam", 3, |r, c| 1.0 - (r + c) as f32 * 0.02);
        let out = blend(&[(&a, 0.7), (&b, 0.3)]).unwrap();
        assert_eq!(out.id(), "af_bella:0.7,am_adam:0.3");
        assert_eq!(out.rows(), 3);
        for ((o, x), y) in out.values().iter().zip(a.values()).zip(b.values()) {
            let expected = 0.7 * f64::from(*x) + 0.3 * f64::from(*y);
            assert!((f64::from(*o) - expected).abs() < 1e-6, "{o} vs {expected}");
        }
        // Unnormalized weights give the same result.
        let scaled = blend(&[(&a, 7.0), (&b, 3.0)]).unwrap();
        for (o, s) in out.values().iter().zip(scaled.values()) {
            assert!((o - s).abs() < 1e-6);
        }
    }

    #[test]
    fn different_row_counts_use_the_smallest() {
        let a = pack("a", 5, |_, _| 1.0);
        let b = pack("b", 3, |_, _| 3.0);
        let out = blend(&[(&a, 1.0), (&b, 1.0)]).unwrap();
        assert_eq!(out.rows(), 3);
        assert!(out.values().iter().all(|v| *v == 2.0));
    }

    #[test]
    fn bad_blend_inputs_are_rejected() {
        let a = pack("a", 1, |_, _| 1.0);
        assert!(blend(&[]).unwrap_err().is_invalid_blend());
        for w in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert!(blend(&[(&a, w)]).unwrap_err().is_invalid_blend(), "{w}");
        }
    }

    proptest! {
        #[test]
        fn parsed_weights_are_positive_and_sum_to_one(
            weights in prop::collection::vec(0.001f32..1000.0, 1..6)
        ) {
            let spec = weights
                .iter()
                .enumerate()
                .map(|(i, w)| format!("v{i}:{w}"))
                .collect::<Vec<_>>()
                .join(",");
            let parsed = BlendSpec::parse(&spec).unwrap();
            prop_assert_eq!(parsed.parts.len(), weights.len());
            prop_assert!(parsed.parts.iter().all(|(_, w)| *w > 0.0));
            let sum: f32 = parsed.parts.iter().map(|(_, w)| w).sum();
            prop_assert!((sum - 1.0).abs() < 1e-5, "sum {}", sum);
        }

        #[test]
        fn blend_stays_between_the_inputs(
            x in prop::collection::vec(-5.0f32..5.0, STYLE_DIM),
            y in prop::collection::vec(-5.0f32..5.0, STYLE_DIM),
            w in 0.01f32..100.0,
        ) {
            let a = VoicePack::from_values("a", x).unwrap();
            let b = VoicePack::from_values("b", y).unwrap();
            let out = blend(&[(&a, w), (&b, 1.0)]).unwrap();
            for ((o, p), q) in out.values().iter().zip(a.values()).zip(b.values()) {
                prop_assert!(*o >= p.min(*q) && *o <= p.max(*q));
            }
        }
    }
}
