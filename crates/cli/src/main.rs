//! `hearth`: the headless face of Hearth, and the engine process of the desktop app.
//! Each subcommand lives in its own module; this file only parses arguments.

mod advise_command;
mod ask_command;
mod bench_command;
mod chat_command;
mod devices_command;
mod dry_run_command;
mod embed_command;
mod hardware_command;
mod inspect_command;
mod models_command;
mod placement_args;
mod quantize_command;
mod remote_bench;
mod rpc_server_command;
mod send_command;
mod serve_command;
mod tool_loop;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hearth", version, about = "Run large language models at home")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the engine protocol on stdin/stdout (the desktop app runs this).
    Engine,
    /// Print a GGUF model's metadata without loading its weights.
    Inspect {
        model: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Answer one prompt with a model, streaming the answer.
    Chat(chat_command::ChatArgs),
    /// Send a message to a stored conversation (as the app does) and stream the answer.
    Send(send_command::SendArgs),
    /// What this machine has: RAM, GPUs and their memory (VRAM, GTT, unified), load, temperatures, power.
    Hardware(hardware_command::HardwareArgs),
    /// Which quant of a model fits a machine, how fast it runs, how to launch it.
    Advise(advise_command::AdviseArgs),
    /// Measure a model: load, time to first token, prompt and generation speed, memory, energy.
    Bench(bench_command::BenchArgs),
    /// The devices llama.cpp computes on here; `--check MODEL` checks a GPU against the CPU.
    Devices(devices_command::DevicesArgs),
    /// What llama.cpp would allocate for a model, without allocating it.
    DryRun(dry_run_command::DryRunArgs),
    /// The model library and Hugging Face downloads.
    Models(models_command::ModelsArgs),
    /// Make a quant of a GGUF with llama.cpp's quantizer.
    Quantize(quantize_command::QuantizeArgs),
    /// Ask documents (PDF, text, Markdown) a question; the answer cites their pages.
    Ask(ask_command::AskArgs),
    /// Embed documents' chunks and a query with an embedding model (the child the app runs for
    /// hybrid retrieval; JSON lines).
    #[command(hide = true)]
    Embed(embed_command::EmbedArgs),
    /// Read a document's pages as JSON lines (the isolated reader `ask` and the app start).
    #[command(hide = true)]
    Extract(ask_command::ExtractArgs),
    /// Serve the model over an OpenAI-compatible API (/v1/models, /v1/chat/completions).
    Serve(serve_command::ServeArgs),
    /// Lend this machine's devices to other machines' engines (llama.cpp's RPC protocol; they
    /// add it with `--rpc HOST:PORT`).
    RpcServer(rpc_server_command::RpcServerArgs),
    /// List stored conversations, or search their messages (any case, any script, word prefixes).
    Conversations {
        /// The messages that match, best first, each with its conversation and a snippet.
        #[arg(long, value_name = "TEXT", conflicts_with = "export")]
        search: Option<String>,
        /// Print a conversation as Markdown (as the app's Export writes it).
        #[arg(long, value_name = "ID", conflicts_with = "json")]
        export: Option<i64>,
        #[arg(long)]
        json: bool,
    },
}

/// An error ends the command with one readable line (its causes joined), exit code 1: never a
/// backtrace, even with `RUST_BACKTRACE` set (anyhow would print one from `main`'s `Err`).
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Engine) {
        // `hearth advise | head` should end quietly, as command-line tools do. (The engine keeps
        // Rust's default: a write error when the app is gone, handled where it writes.)
        #[cfg(unix)]
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL)
        };
    }
    match cli.command {
        Command::Engine => Ok(hearth_engine::stdio_server::serve()?),
        Command::Inspect { model, json } => inspect_command::run(&model, json),
        Command::Chat(args) => chat_command::run(args),
        Command::Send(args) => send_command::run(args),
        Command::Hardware(args) => hardware_command::run(args),
        Command::Advise(args) => advise_command::run(args),
        Command::Quantize(args) => quantize_command::run(args),
        Command::DryRun(args) => dry_run_command::run(args),
        Command::Devices(args) => devices_command::run(args),
        Command::Bench(args) => bench_command::run(args),
        Command::Models(args) => models_command::run(args),
        Command::Ask(args) => ask_command::run(args),
        Command::Extract(args) => ask_command::extract(args),
        Command::Embed(args) => embed_command::run(args),
        Command::Serve(args) => serve_command::run(args),
        Command::RpcServer(args) => rpc_server_command::run(args),
        Command::Conversations { export: Some(id), .. } => send_command::export_conversation(id),
        Command::Conversations { search: None, json, .. } => send_command::list_conversations(json),
        Command::Conversations { search: Some(text), json, .. } => send_command::search_conversations(&text, json),
    }
}
