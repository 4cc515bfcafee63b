//! The Hugging Face Hub API, as much as downloads need: a repo's files with sizes and the sha256
//! of LFS files (`GET /api/models/{repo}/tree/main?recursive=true`), and a remote GGUF's header
//! (its first megabytes, by HTTP Range) so that the advisor can judge a file before it is fetched.

use serde::{Deserialize, Serialize};

use crate::ModelsError;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HubFile {
    pub path: String,
    pub size: u64,
    /// The sha256 Hugging Face publishes for LFS files.
    pub sha256: Option<String>,
}

#[derive(Deserialize)]
struct TreeEntry {
    #[serde(rename = "type")]
    kind: String,
    path: String,
    #[serde(default)]
    size: u64,
    lfs: Option<Lfs>,
}

#[derive(Deserialize)]
struct Lfs {
    oid: String,
    size: u64,
}

/// `org/repo`, `org/repo:file.gguf`, or a huggingface.co URL → (repo, file).
pub fn parse_repo_spec(spec: &str) -> Result<(String, Option<String>), ModelsError> {
    let spec = spec.trim();
    let rest = spec.strip_prefix("https://huggingface.co/").or_else(|| spec.strip_prefix("hf.co/")).unwrap_or(spec);
    if let Some((repo, file)) = rest.split_once("/resolve/").or_else(|| rest.split_once("/blob/")) {
        // …/resolve/main/path/to/file.gguf
        let file = file.split_once('/').map(|(_, f)| f.to_string());
        return Ok((repo.to_string(), file));
    }
    let (repo, file) = match rest.split_once(':') {
        Some((r, f)) => (r, Some(f.to_string())),
        None => (rest, None),
    };
    let parts: Vec<&str> = repo.split('/').collect();
    if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(ModelsError::BadRequest(format!("'{spec}' is not a Hugging Face repo id (owner/name[:file])")));
    }
    Ok((repo.to_string(), file))
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("hearth/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(15))
        .build()
        .expect("a TLS client")
}

pub(crate) fn with_token(req: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

/// The most a Hub API answer (a repo's file tree, a page of search results) may take: real ones
/// are a few hundred KiB; a server that sends more is refused instead of filling memory.
pub(crate) const MAX_API_ANSWER_BYTES: usize = 32 << 20;

/// An API answer's JSON, read at most [`MAX_API_ANSWER_BYTES`] of it.
pub(crate) async fn json_capped<T: serde::de::DeserializeOwned>(resp: reqwest::Response, what: &str) -> Result<T, ModelsError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    let mut chunks = resp.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| ModelsError::Network(format!("{what}: {e}")))?;
        if body.len() + chunk.len() > MAX_API_ANSWER_BYTES {
            return Err(ModelsError::Server(format!("{what}: the answer is larger than {} MiB", MAX_API_ANSWER_BYTES >> 20)));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| ModelsError::Server(format!("{what}: unexpected answer ({e})")))
}

/// The GGUF files of `repo`, with sizes and sha256.
pub async fn list_repo_files(endpoint: &str, repo: &str, token: Option<&str>) -> Result<Vec<HubFile>, ModelsError> {
    let url = format!("{endpoint}/api/models/{repo}/tree/main?recursive=true");
    let resp = with_token(client().get(&url), token).send().await.map_err(|e| ModelsError::Network(format!("{endpoint}: {e}")))?;
    match resp.status().as_u16() {
        200 => {}
        401 | 403 => return Err(ModelsError::Unauthorized(repo.to_string())),
        404 => return Err(ModelsError::NotFound(format!("no repo {repo} on {endpoint}"))),
        s => return Err(ModelsError::Server(format!("{url} answered {s}"))),
    }
    let entries: Vec<TreeEntry> = json_capped(resp, &url).await?;
    Ok(entries
        .into_iter()
        .filter(|e| e.kind == "file" && e.path.to_ascii_lowercase().ends_with(".gguf"))
        .map(|e| HubFile { size: e.lfs.as_ref().map_or(e.size, |l| l.size), sha256: e.lfs.map(|l| l.oid), path: e.path })
        .collect())
}

/// The header (metadata and tensor table) of the remote GGUF `file` of `size` bytes, read from
/// its first bytes: 4 MiB, then more when the vocabulary is bigger, up to 64 MiB. Servers that
/// ignore the end of the range are read only as far as needed.
pub async fn fetch_gguf_header(endpoint: &str, repo: &str, file: &str, token: Option<&str>, size: u64) -> Result<hearth_gguf::GgufFile, ModelsError> {
    use futures_util::StreamExt;
    let url = format!("{endpoint}/{repo}/resolve/main/{file}");
    let mut want: u64 = 4 << 20;
    loop {
        let take = want.min(size);
        let req = client().get(&url).header(reqwest::header::RANGE, format!("bytes=0-{}", take.saturating_sub(1)));
        let resp = with_token(req, token).send().await.map_err(|e| ModelsError::Network(format!("{endpoint}: {e}")))?;
        match resp.status().as_u16() {
            200 | 206 => {}
            401 | 403 => return Err(ModelsError::Unauthorized(repo.to_string())),
            404 => return Err(ModelsError::NotFound(format!("no {file} in {repo}"))),
            s => return Err(ModelsError::Server(format!("{url} answered {s}"))),
        }
        let mut bytes: Vec<u8> = Vec::with_capacity(take as usize);
        let mut body = resp.bytes_stream();
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk.map_err(|e| ModelsError::Network(format!("{url}: {e}")))?);
            if bytes.len() as u64 >= take {
                break;
            }
        }
        bytes.truncate(take as usize);
        match hearth_gguf::GgufFile::parse(&bytes[..], size) {
            Ok(gguf) => return Ok(gguf),
            Err(hearth_gguf::GgufError::Truncated(_)) if take < size && want < (64 << 20) => want *= 4,
            Err(e) => return Err(ModelsError::Verification(format!("{file} is not a usable GGUF: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_specs_and_urls() {
        assert_eq!(parse_repo_spec("ggml-org/gpt-oss-120b-GGUF").unwrap(), ("ggml-org/gpt-oss-120b-GGUF".into(), None));
        assert_eq!(parse_repo_spec("a/b:x.gguf").unwrap(), ("a/b".into(), Some("x.gguf".into())));
        assert_eq!(
            parse_repo_spec("https://huggingface.co/a/b/resolve/main/dir/x-Q4_K_M.gguf").unwrap(),
            ("a/b".into(), Some("dir/x-Q4_K_M.gguf".into()))
        );
        assert!(parse_repo_spec("not a repo").is_err());
        assert!(parse_repo_spec("a/b/c").is_err());
    }
}
