//! The advisor: which quant of which model fits which machine, how fast it will run and how to
//! launch it. Pure computation over data files (`catalog/`), a GGUF header and hardware facts;
//! nothing here loads a model or touches a GPU, so every answer can be checked in a unit test.
//!
//! The estimate is physics, not a table: memory = weights (per tensor and type) + KV cache
//! (per layer kind) + compute buffers + runtime overhead; generation speed is bounded by the
//! bytes read per token over memory bandwidth, prompt speed by matrix throughput. The constants
//! are fitted on published llama-bench results (`catalog/calibration.toml`).

mod advice;
mod calibration;
mod catalog;
mod cluster;
mod detected;
mod error;
mod evaluation;
mod memory;
mod model_shape;
mod placement;
mod sizing;
mod speed;
mod tuning;

pub use advice::{advise, Advice, AdviceRequest, BackendOption, ModelFacts, QuantRow, Recommendation, Use};
pub use calibration::{calibrate, Calibrated};
pub use catalog::{
    Backend, BackendProblem, CalibrationRow, Catalog, DiscreteGeneration, GenerationConstants, HardwareKind, HardwareSpec, ModelSpec, QuantSpec,
};
pub use cluster::{rpc_cluster, ClusterSizing, Link};
pub use detected::this_machine;
pub use error::AdvisorError;
/// The KV cache type, shared with the engine's settings.
pub use hearth_protocol::KvCacheType;
pub use memory::{estimate_memory, kv_cache_bytes, MemoryEstimate, MemoryParams, UBATCH};
pub use model_shape::{ModelShape, TensorClass};
pub use placement::{place, Fit, Placement};
pub use sizing::{compare_hardware, MachineRow};
pub use speed::{attention_flops, attention_seconds, predict, Predicted};
pub use tuning::{check_tuning, gtt_kernel_parameters, FindingPhrases, ModelNeed, Severity, TuningFact, TuningFinding, TuningReport};

/// Bytes in a GiB.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
