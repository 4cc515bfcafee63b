//! Split models: llama.cpp's shards `NAME-0000K-of-0000N.gguf` (gguf-split and gguf-py's writer
//! name and tag them alike: `split.no`, `split.count`, `split.tensors.count`) read as one model.
//! Every 120B-class GGUF on the Hub is split; sizing one from its first shard alone is wrong by
//! the other shards' weights, and a set with a shard missing or from another model would fail
//! inside llama.cpp.

use std::path::{Path, PathBuf};

use crate::{GgufError, GgufFile, MetaValue};

/// The shard names llama.cpp looks for beside the first one (`llama_split_path`).
pub fn shard_path(prefix: &Path, number: u32, count: u32) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(format!("-{number:05}-of-{count:05}.gguf"));
    PathBuf::from(name)
}

/// `dir/NAME-00001-of-00003.gguf` → (`dir/NAME`, 1, 3).
pub fn split_name(path: &Path) -> Option<(PathBuf, u32, u32)> {
    let stem = path.file_name()?.to_str()?.strip_suffix(".gguf")?;
    let (rest, count) = stem.rsplit_once("-of-")?;
    let (prefix, number) = rest.rsplit_once('-')?;
    if count.len() != 5 || number.len() != 5 {
        return None;
    }
    Some((path.with_file_name(prefix), number.parse().ok()?, count.parse().ok()?))
}

fn split_u64(g: &GgufFile, key: &str) -> Option<u64> {
    g.get(key).and_then(MetaValue::as_u64)
}

impl GgufFile {
    /// Opens a model: the file itself, or for the first shard of a split model every shard,
    /// validated and merged (tensors of all shards, `file_size` the total, `shard_count` set).
    pub fn open_model(path: &Path) -> Result<GgufFile, GgufError> {
        let mut model = GgufFile::open(path)?;
        let count = split_u64(&model, "split.count").unwrap_or(1);
        if count <= 1 {
            model.check_structure()?;
            return Ok(model);
        }
        let file = |p: &Path| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned());
        let number = split_u64(&model, "split.no").unwrap_or(0);
        if number != 0 {
            return Err(GgufError::Split(format!(
                "{} is shard {} of {count} of a split model; open its first shard (…-00001-of-{count:05}.gguf)",
                file(path),
                number + 1
            )));
        }
        let count =
            u32::try_from(count).ok().filter(|&c| c <= 9999).ok_or_else(|| GgufError::Split(format!("{count} shards is not a real split model")))?;
        let Some((prefix, 1, named_count)) = split_name(path) else {
            return Err(GgufError::Split(format!(
                "{} is the first of {count} shards but is not named NAME-00001-of-{count:05}.gguf, so llama.cpp cannot find the others",
                file(path)
            )));
        };
        if named_count != count {
            return Err(GgufError::Split(format!("{} says {count} shards but its name says {named_count}", file(path))));
        }
        let expected_tensors = split_u64(&model, "split.tensors.count");
        let mut names: std::collections::HashSet<String> = model.tensors.iter().map(|t| t.name.clone()).collect();
        for n in 2..=count {
            let shard = shard_path(&prefix, n, count);
            let part = GgufFile::open(&shard).map_err(|e| match e {
                GgufError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                    GgufError::Split(format!("shard {n} of {count} ({}) is missing", file(&shard)))
                }
                other => GgufError::Split(format!("shard {n} of {count} ({}) is damaged: {other}", file(&shard))),
            })?;
            let foreign = |why: String| GgufError::Split(format!("shard {n} of {count} ({}) belongs to another model: {why}", file(&shard)));
            if split_u64(&part, "split.no") != Some(u64::from(n - 1)) || split_u64(&part, "split.count") != Some(u64::from(count)) {
                return Err(foreign(format!(
                    "it is tagged shard {} of {}",
                    split_u64(&part, "split.no").map_or("?".into(), |v| (v + 1).to_string()),
                    split_u64(&part, "split.count").map_or("?".into(), |v| v.to_string())
                )));
            }
            if split_u64(&part, "split.tensors.count") != expected_tensors {
                return Err(foreign("its total tensor count differs from the first shard's".into()));
            }
            if let Some(t) = part.tensors.iter().find(|t| !names.insert(t.name.clone())) {
                return Err(foreign(format!("tensor {} is already in an earlier shard", t.name)));
            }
            model.file_size += part.file_size;
            model.tensors.extend(part.tensors);
        }
        if let Some(expected) = expected_tensors {
            if model.tensors.len() as u64 != expected {
                return Err(GgufError::Split(format!("the {count} shards hold {} tensors but the first says {expected}", model.tensors.len())));
            }
        }
        model.shard_count = count;
        model.check_structure()?;
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_names_round_trip() {
        let p = shard_path(Path::new("/m/gpt-oss-120b-MXFP4"), 2, 3);
        assert_eq!(p, PathBuf::from("/m/gpt-oss-120b-MXFP4-00002-of-00003.gguf"));
        assert_eq!(split_name(&p), Some((PathBuf::from("/m/gpt-oss-120b-MXFP4"), 2, 3)));
        assert_eq!(split_name(Path::new("/m/model-q4.gguf")), None);
        assert_eq!(split_name(Path::new("/m/a-1-of-3.gguf")), None);
    }
}
