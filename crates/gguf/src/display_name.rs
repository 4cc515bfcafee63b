//! The name a model is shown by: its file's name without the shard numbers and the quant tag,
//! as the Models list and the Hub name it (`SmolLM2-135M-Instruct`, `gpt-oss-120b`). The GGUF's
//! `general.name` is written by the converter from a checkout's directory and often reads badly
//! ("Smollm2 135M 8k Lc100K Mix1 Ep2" for SmolLM2-135M-Instruct), so it is not used for display.

use std::path::Path;

use crate::split_name;

/// `gpt-oss-120b-mxfp4-00001-of-00003.gguf` → `gpt-oss-120b`; `SmolLM2-135M-Instruct.Q4_1.gguf`
/// → `SmolLM2-135M-Instruct`. A name that is only a quant tag is kept as it is.
pub fn display_name(path: &Path) -> String {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let stem = match split_name(path) {
        Some((prefix, _, _)) => prefix.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        None => file.strip_suffix(".gguf").or_else(|| file.strip_suffix(".GGUF")).unwrap_or(&file).to_string(),
    };
    strip_quant_tail(&stem).unwrap_or(stem)
}

/// The tags llama.cpp's quantize and the Hub's uploaders put at a file name's end (`Q4_K_M`,
/// `IQ4_XS`, `MXFP4`, `F16`).
fn is_quant_tag(tag: &str) -> bool {
    let t = tag.to_ascii_lowercase();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return false;
    }
    let quant_prefix = ["q", "iq", "tq"].iter().any(|p| t.strip_prefix(p).is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())));
    quant_prefix || matches!(t.as_str(), "f16" | "bf16" | "f32" | "fp16" | "mxfp4" | "mxfp4_moe")
}

/// `NAME-Q4_K_M`, `NAME.Q4_1`, `NAME-UD-Q4_K_XL` (Unsloth's dynamic quants): the part before the tag.
fn strip_quant_tail(stem: &str) -> Option<String> {
    let at = stem.char_indices().filter(|&(i, c)| i > 0 && (c == '.' || c == '-') && is_quant_tag(&stem[i + 1..])).map(|(i, _)| i).next()?;
    let name = &stem[..at];
    Some(name.strip_suffix("-UD").or_else(|| name.strip_suffix(".UD")).unwrap_or(name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(file: &str) -> String {
        display_name(Path::new("/models").join(file).as_path())
    }

    #[test]
    fn the_demo_model_is_named_by_its_file_not_its_converted_general_name() {
        assert_eq!(name("SmolLM2-135M-Instruct.Q4_1.gguf"), "SmolLM2-135M-Instruct");
    }

    #[test]
    fn shard_numbers_and_quant_tags_go() {
        assert_eq!(name("gpt-oss-120b-mxfp4-00001-of-00003.gguf"), "gpt-oss-120b");
        assert_eq!(name("gemma-3-270m-it-Q4_K_M.gguf"), "gemma-3-270m-it");
        assert_eq!(name("Qwen3-30B-A3B-UD-Q4_K_XL.gguf"), "Qwen3-30B-A3B");
        assert_eq!(name("Llama-3.2-1B-Instruct-IQ4_XS.gguf"), "Llama-3.2-1B-Instruct");
        assert_eq!(name("tiny-f16.gguf"), "tiny");
        assert_eq!(name("gpt-oss-20b-MXFP4.gguf"), "gpt-oss-20b");
        assert_eq!(name("Mistral-7B-Instruct-v0.3.Q4_K_M.gguf"), "Mistral-7B-Instruct-v0.3");
    }

    #[test]
    fn names_without_a_tag_stay_whole() {
        assert_eq!(name("my-model.gguf"), "my-model");
        assert_eq!(name("Q4_K_M.gguf"), "Q4_K_M");
        assert_eq!(name("Qwen2.5-7B.gguf"), "Qwen2.5-7B");
        assert_eq!(name("model"), "model");
        assert_eq!(name("model-q8-extra.gguf"), "model-q8-extra");
    }
}
