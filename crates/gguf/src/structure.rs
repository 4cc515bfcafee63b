//! What the metadata claims checked against the tensors that are there, before llama.cpp sees
//! the file: a header that claims more layers or experts than its tensors hold makes llama.cpp
//! fail deep in its loader (or index past a tensor's end).

use std::collections::BTreeSet;

use crate::{GgufError, GgufFile};

/// `Err` naming the first token the vocabulary of the GGUF at `path` lists twice: llama.cpp
/// asserts on that (GGML_ASSERT in llama-vocab.cpp), which ends its process.
pub fn check_vocabulary(path: &std::path::Path) -> Result<(), GgufError> {
    let arrays = crate::read_string_arrays(path, &["tokenizer.ggml.tokens"])?;
    let Some(tokens) = arrays.get("tokenizer.ggml.tokens") else { return Ok(()) };
    let mut seen = std::collections::HashSet::with_capacity(tokens.len());
    for (id, token) in tokens.iter().enumerate() {
        if !seen.insert(token.as_str()) {
            return Err(GgufError::Corrupt(format!("the vocabulary lists the token {token:?} twice (again as id {id})")));
        }
    }
    Ok(())
}

impl GgufFile {
    /// `Err` when `block_count` or `expert_count` disagrees with the tensor table.
    pub fn check_structure(&self) -> Result<(), GgufError> {
        let layers_with_tensors: BTreeSet<u64> =
            self.tensors.iter().filter_map(|t| t.name.strip_prefix("blk.")?.split('.').next()?.parse().ok()).collect();
        if let Some(layers) = self.arch_u64("block_count") {
            // Only when the model has per-layer tensors at all (a vocabulary-only GGUF has none).
            if !layers_with_tensors.is_empty() {
                if let Some(missing) = (0..layers).find(|i| !layers_with_tensors.contains(i)) {
                    return Err(GgufError::Corrupt(format!(
                        "the header claims {layers} layers but layer {missing} has no tensors ({} layers have some)",
                        layers_with_tensors.len()
                    )));
                }
            }
        }
        if let Some(experts) = self.arch_u64("expert_count").filter(|&e| e > 0) {
            for t in self.tensors.iter().filter(|t| t.name.ends_with("_exps.weight")) {
                let held = t.dims.get(2).copied().unwrap_or(1);
                if held != experts {
                    return Err(GgufError::Corrupt(format!("the header claims {experts} experts but {} holds {held}", t.name)));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::{GgmlType, GgufFile, MetaValue, TensorInfo};

    fn model(layers: u64, experts: u64, tensors: &[(&str, Vec<u64>)]) -> GgufFile {
        let mut metadata = BTreeMap::new();
        metadata.insert("general.architecture".to_string(), MetaValue::String("gpt-oss".into()));
        metadata.insert("gpt-oss.block_count".to_string(), MetaValue::Int(layers as i64));
        metadata.insert("gpt-oss.expert_count".to_string(), MetaValue::Int(experts as i64));
        let tensors = tensors
            .iter()
            .map(|(name, dims)| TensorInfo {
                name: name.to_string(),
                dims: dims.clone(),
                ggml_type: GgmlType::from_id(0).unwrap(),
                offset: 0,
                elements: dims.iter().product(),
                bytes: 4 * dims.iter().product::<u64>(),
            })
            .collect();
        GgufFile { version: 3, file_size: 0, metadata, tensors, data_offset: 0, shard_count: 1 }
    }

    #[test]
    fn a_header_claiming_more_layers_than_its_tensors_hold_is_refused() {
        let two = [("blk.0.attn_norm.weight", vec![8]), ("blk.1.attn_norm.weight", vec![8])];
        assert!(model(2, 0, &two).check_structure().is_ok());
        let err = model(36, 0, &two).check_structure().unwrap_err().to_string();
        assert!(err.contains("claims 36 layers but layer 2 has no tensors (2 layers have some)"), "{err}");
    }

    #[test]
    fn a_header_claiming_more_experts_than_its_tensors_hold_is_refused() {
        let t = [("blk.0.ffn_up_exps.weight", vec![64, 32, 8])];
        assert!(model(1, 8, &t).check_structure().is_ok());
        let err = model(1, 128, &t).check_structure().unwrap_err().to_string();
        assert!(err.contains("claims 128 experts but blk.0.ffn_up_exps.weight holds 8"), "{err}");
    }
}
