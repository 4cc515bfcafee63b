//! Searching the Hugging Face Hub for GGUF repos (`GET /api/models?search=…&filter=gguf`), as
//! `huggingface_hub.list_models` does: sorted by downloads, likes or recency, most first, a page
//! at a time (the Hub's `Link: <…>; rel="next"` header carries the cursor for the next one).
//! Works against an `HF_ENDPOINT` mirror and with the user's token.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::hub::{client, json_capped, with_token};
use crate::ModelsError;

/// How results are ordered (always most first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(rename_all = "lowercase")]
pub enum HubSort {
    #[default]
    Downloads,
    Likes,
    /// Most recently changed first.
    Updated,
}

impl HubSort {
    fn api_name(self) -> &'static str {
        match self {
            HubSort::Downloads => "downloads",
            HubSort::Likes => "likes",
            HubSort::Updated => "lastModified",
        }
    }
}

/// One repo in the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HubModel {
    pub id: String,
    #[ts(type = "number")]
    pub downloads: u64,
    #[ts(type = "number")]
    pub likes: u64,
    /// When the repo last changed (the Hub's ISO 8601 time), where it says.
    pub updated: Option<String>,
}

/// A page of results and where the next one is, if there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HubSearchPage {
    pub models: Vec<HubModel>,
    /// The URL of the next page, to pass back as `page`.
    pub next: Option<String>,
}

#[derive(Deserialize)]
struct ApiModel {
    id: String,
    #[serde(default)]
    downloads: u64,
    #[serde(default)]
    likes: u64,
    #[serde(default, rename = "lastModified")]
    last_modified: Option<String>,
}

/// The first page of GGUF repos matching `query` (or the page at `page`, a `next` from an
/// earlier answer on the same endpoint), at most `limit` (1–100).
pub async fn search_models(
    endpoint: &str,
    query: &str,
    sort: HubSort,
    limit: u32,
    token: Option<&str>,
    page: Option<&str>,
) -> Result<HubSearchPage, ModelsError> {
    let request = match page {
        Some(url) => {
            // Only a page of the same endpoint: the token goes with the request.
            if !url.starts_with(&format!("{}/", endpoint.trim_end_matches('/'))) {
                return Err(ModelsError::BadRequest(format!("{url} is not a page of {endpoint}")));
            }
            client().get(url)
        }
        None => client().get(format!("{endpoint}/api/models")).query(&[
            ("search", query.trim()),
            ("filter", "gguf"),
            ("sort", sort.api_name()),
            ("direction", "-1"),
            ("limit", &limit.clamp(1, 100).to_string()),
            // With `expand` (repeated, as huggingface_hub sends it), only these fields come back (and `id`).
            ("expand", "downloads"),
            ("expand", "likes"),
            ("expand", "lastModified"),
        ]),
    };
    let wait = search_timeout();
    let resp = with_token(request, token).timeout(wait).send().await.map_err(|e| {
        ModelsError::Network(format!("{endpoint}: {}", if e.is_timeout() { format!("no answer within {} s", wait.as_secs()) } else { e.to_string() }))
    })?;
    match resp.status().as_u16() {
        200 => {}
        401 | 403 => {
            return Err(ModelsError::Server(format!(
                "{endpoint} refused the search ({}): the access token may be wrong or expired",
                resp.status().as_u16()
            )))
        }
        429 => return Err(ModelsError::Server(format!("{endpoint} asks to slow down (429): try again in a minute"))),
        s => return Err(ModelsError::Server(format!("{endpoint} answered {s} to the search"))),
    }
    let next = resp.headers().get_all(reqwest::header::LINK).iter().filter_map(|v| v.to_str().ok()).find_map(next_link);
    let models: Vec<ApiModel> = json_capped(resp, &format!("{endpoint} search")).await?;
    Ok(HubSearchPage {
        models: models.into_iter().map(|m| HubModel { id: m.id, downloads: m.downloads, likes: m.likes, updated: m.last_modified }).collect(),
        next,
    })
}

/// How long a search waits for the Hub: 30 s, or `HEARTH_HUB_TIMEOUT_SECS`.
fn search_timeout() -> std::time::Duration {
    let secs = std::env::var("HEARTH_HUB_TIMEOUT_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    std::time::Duration::from_secs(secs)
}

/// The `rel="next"` target of a `Link` header (RFC 8288), e.g. `<https://…?cursor=x>; rel="next"`.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let (target, params) = link.trim().split_once(';')?;
        let is_next = params.split(';').any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        is_next.then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        assert_eq!(next_link("<http://hub.test/api/models?cursor=abc>; rel=\"next\"").as_deref(), Some("http://hub.test/api/models?cursor=abc"));
        assert_eq!(next_link("<http://a/1>; rel=\"prev\", <http://a/3>; rel=\"next\"").as_deref(), Some("http://a/3"));
        assert_eq!(next_link("<http://a/1>; rel=\"prev\""), None);
    }
}
