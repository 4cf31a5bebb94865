//! Property tests for ids and the media layout.

use proptest::prelude::*;
use std::path::{Component, Path};
use wav_store::{MediaLayout, validate_id};

fn valid_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-][A-Za-z0-9_-]{0,20}(\\.[A-Za-z0-9_-]{1,10}){0,3}"
}

/// An id with a forbidden character or `..` somewhere in it.
fn invalid_id() -> impl Strategy<Value = String> {
    let bad = prop_oneof![
        Just("/".to_owned()),
        Just("\\".to_owned()),
        Just("\0".to_owned()),
        Just(" ".to_owned()),
        Just("..".to_owned()),
        Just(":".to_owned()),
        "[^A-Za-z0-9._-]",
    ];
    ("[A-Za-z0-9._-]{0,10}", bad, "[A-Za-z0-9._-]{0,10}").prop_map(|(a, b, c)| format!("{a}{b}{c}"))
}

proptest! {
    #[test]
    fn valid_ids_map_to_exact_components(p in valid_id(), s in valid_id()) {
        let root = Path::new("/srv/media root");
        let layout = MediaLayout::new(root, "/media/");
        let path = layout.audio_path(&p, &s).unwrap();
        prop_assert!(path.starts_with(root));
        let rest: Vec<Component<'_>> = path.strip_prefix(root).unwrap().components().collect();
        let file = format!("{s}.wav");
        let expected = ["projects", p.as_str(), "audio", file.as_str()];
        prop_assert_eq!(rest.len(), 4);
        for (c, e) in rest.iter().zip(expected) {
            prop_assert_eq!(c, &Component::Normal(e.as_ref()));
        }
        let url = layout.audio_url(&p, &s).unwrap();
        prop_assert_eq!(url, format!("/media/projects/{p}/audio/{s}.wav"));
    }

    #[test]
    fn invalid_ids_are_errors(bad in invalid_id(), good in valid_id()) {
        prop_assert!(validate_id(&bad).unwrap_err().is_invalid_id());
        let layout = MediaLayout::new("media", "/media/");
        prop_assert!(layout.audio_path(&bad, &good).unwrap_err().is_invalid_id());
        prop_assert!(layout.audio_path(&good, &bad).unwrap_err().is_invalid_id());
        prop_assert!(layout.audio_url(&bad, &good).unwrap_err().is_invalid_id());
    }

    #[test]
    fn url_has_one_slash_before_projects(base in "[a-z:/.]{0,20}", slashes in 0usize..4) {
        let url = format!("{}{}", base.trim_end_matches('/'), "/".repeat(slashes));
        let layout = MediaLayout::new("media", url.clone());
        let out = layout.audio_url("p", "s").unwrap();
        let head = out.strip_suffix("projects/p/audio/s.wav").unwrap();
        prop_assert!(head.ends_with('/'));
        prop_assert!(!head[..head.len() - 1].ends_with('/'), "{}", out);
        prop_assert_eq!(head.trim_end_matches('/'), url.trim_end_matches('/'));
    }
}
