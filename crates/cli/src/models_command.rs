//! `hearth models list [--json]`, `hearth models search QUERY [--sort downloads|likes|updated]
//! [--limit N] [--page URL] [--json]` (GGUF repos on the Hub, most first),
//! `hearth models pull REPO[:FILE] [--json]` (resumes, verifies;
//! non-zero on failure), `hearth models rm NAME`, `hearth models token set|clear|status` (the
//! Hugging Face token in the OS keyring; `set` reads it from stdin, so it stays out of the shell's
//! history). Models live in Hearth's models directory.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use hearth_models::{endpoint, list_models, list_repo_files, parse_repo_spec, pull, sidecar, PullRequest};
use hearth_protocol::jobs::{write_line, JobLine, PullDone, PullJob, PullProgressLine};
use hearth_store::HearthHome;

#[derive(Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    command: ModelsCommand,
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// The GGUF models in Hearth's models directory.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Download a GGUF from Hugging Face (HF_ENDPOINT for a mirror; the token from HF_TOKEN or the
    /// OS keyring for gated repos).
    Pull {
        /// owner/repo:file.gguf, or a huggingface.co URL; without a file, the repo's GGUFs are listed.
        spec: String,
        #[arg(long)]
        json: bool,
    },
    /// Search the Hugging Face Hub for GGUF repos (HF_ENDPOINT for a mirror), most first.
    Search {
        query: String,
        #[arg(long, value_enum, default_value_t = SearchSort::Downloads)]
        sort: SearchSort,
        /// Results per page (1–100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// The next page: the `next` URL of an earlier `--json` answer.
        #[arg(long, value_name = "URL")]
        page: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a model (all its shards) from the models directory.
    Rm { name: String },
    /// The Hugging Face access token, kept in the OS keyring.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SearchSort {
    Downloads,
    Likes,
    Updated,
}

#[derive(Subcommand)]
enum TokenAction {
    /// Store the token read from stdin.
    Set,
    /// Remove the stored token.
    Clear,
    /// Say whether a token is in use and where it comes from (never the token itself).
    Status,
}

pub fn run(a: ModelsArgs) -> anyhow::Result<()> {
    let home = HearthHome::from_env();
    let dir = home.models();
    match a.command {
        ModelsCommand::Token { action } => match action {
            TokenAction::Set => {
                let mut token = String::new();
                std::io::stdin().read_line(&mut token)?;
                hearth_models::store_token(&token)?;
                println!("stored in the OS keyring");
            }
            TokenAction::Clear => {
                hearth_models::clear_token()?;
                println!("no token stored");
            }
            TokenAction::Status => match hearth_models::access_token().1 {
                hearth_models::TokenSource::Environment => println!("a token is set in HF_TOKEN"),
                hearth_models::TokenSource::Keyring => println!("a token is stored in the OS keyring"),
                hearth_models::TokenSource::None => println!("no token"),
            },
        },
        ModelsCommand::List { json } => {
            let models = list_models(std::slice::from_ref(&dir));
            if json {
                println!("{}", serde_json::to_string(&models)?);
            } else {
                for m in models {
                    println!(
                        "{:<48} {:>9.1} MiB  {:<8} {:<10} {}",
                        m.name,
                        m.size_bytes as f64 / 1048576.0,
                        m.quant.as_deref().unwrap_or("?"),
                        m.architecture.as_deref().unwrap_or("?"),
                        m.problem.as_deref().unwrap_or("")
                    );
                }
            }
        }
        ModelsCommand::Search { query, sort, limit, page, json } => {
            let sort = match sort {
                SearchSort::Downloads => hearth_models::HubSort::Downloads,
                SearchSort::Likes => hearth_models::HubSort::Likes,
                SearchSort::Updated => hearth_models::HubSort::Updated,
            };
            let (token, _) = hearth_models::access_token();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let found = rt.block_on(hearth_models::search_models(&endpoint(), &query, sort, limit, token.as_deref(), page.as_deref()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&found)?);
            } else if found.models.is_empty() {
                println!("no GGUF repo matches {query:?}");
            } else {
                println!("{:<56} {:>12} {:>7}  updated", "repo", "downloads", "likes");
                for m in &found.models {
                    println!("{:<56} {:>12} {:>7}  {}", m.id, m.downloads, m.likes, m.updated.as_deref().map_or("", |u| u.get(..10).unwrap_or(u)));
                }
                if found.next.is_some() {
                    println!("more: add --json to get the next page's URL for --page");
                }
            }
        }
        ModelsCommand::Pull { spec, json } => {
            let (repo, file) = parse_repo_spec(&spec)?;
            let endpoint = endpoint();
            let (token, _) = hearth_models::access_token();
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            let Some(file) = file else {
                let files = rt.block_on(list_repo_files(&endpoint, &repo, token.as_deref()))?;
                for f in &files {
                    println!("{repo}:{}  {:.1} MiB", f.path, f.size as f64 / 1048576.0);
                }
                bail!("choose one of the {} GGUF files above: hearth models pull {repo}:FILE", files.len());
            };
            let req = PullRequest {
                endpoint,
                repo,
                file,
                dest_dir: dir,
                token,
                stall_timeout: Duration::from_secs(std::env::var("HEARTH_STALL_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30)),
                attempts: 20,
            };
            let started = Instant::now();
            let mut last_print = Instant::now() - Duration::from_secs(1);
            let result = rt.block_on(pull(&req, |p| {
                if last_print.elapsed() >= Duration::from_millis(500) {
                    last_print = Instant::now();
                    let secs = started.elapsed().as_secs_f64().max(0.001);
                    if json {
                        let progress = PullProgressLine { file: p.file.clone(), done_bytes: p.done_bytes, total_bytes: p.total_bytes };
                        write_line::<PullJob>(&JobLine::Progress { progress });
                    } else {
                        eprint!(
                            "\r{}: {:.1} / {:.1} MiB ({:.1} MiB/s)   ",
                            p.file,
                            p.done_bytes as f64 / 1048576.0,
                            p.total_bytes as f64 / 1048576.0,
                            p.done_bytes as f64 / 1048576.0 / secs
                        );
                    }
                }
            }));
            match result {
                Ok(paths) => {
                    if json {
                        let paths = paths.iter().map(|p| p.display().to_string()).collect();
                        write_line::<PullJob>(&JobLine::Done { report: PullDone { paths } });
                    } else {
                        eprintln!();
                        for p in paths {
                            println!("{}", p.display());
                        }
                    }
                }
                Err(e) => {
                    if json {
                        write_line::<PullJob>(&JobLine::Error { error: e.payload() });
                    }
                    eprintln!();
                    return Err(e).context("the download did not finish");
                }
            }
        }
        ModelsCommand::Rm { name } => {
            let models = list_models(std::slice::from_ref(&dir));
            let Some(m) = models.iter().find(|m| m.name == name || m.path.file_name().is_some_and(|f| f.to_string_lossy() == name)) else {
                bail!("no model named {name} in {}", dir.display());
            };
            for f in &m.files {
                std::fs::remove_file(f).with_context(|| format!("removing {}", f.display()))?;
                let _ = std::fs::remove_file(sidecar(f));
            }
            println!("removed {}", m.name);
        }
    }
    Ok(())
}
