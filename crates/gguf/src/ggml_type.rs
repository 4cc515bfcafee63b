//! ggml tensor types and llama.cpp file types: block sizes and names.
//! Source: `ggml/include/ggml.h` (enum ggml_type), `ggml/src/ggml.c` (type_traits) and
//! `include/llama.h` (enum llama_ftype) of the llama.cpp tree vendored by llama-cpp-sys-2 0.1.161.

/// A ggml tensor element type, with the layout needed to size its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgmlType {
    pub id: u32,
    pub name: &'static str,
    /// Elements per block.
    pub block_size: u64,
    /// Bytes per block.
    pub type_size: u64,
}

const TYPES: &[(u32, &str, u64, u64)] = &[
    (0, "F32", 1, 4),
    (1, "F16", 1, 2),
    (2, "Q4_0", 32, 18),
    (3, "Q4_1", 32, 20),
    (6, "Q5_0", 32, 22),
    (7, "Q5_1", 32, 24),
    (8, "Q8_0", 32, 34),
    (9, "Q8_1", 32, 36),
    (10, "Q2_K", 256, 84),
    (11, "Q3_K", 256, 110),
    (12, "Q4_K", 256, 144),
    (13, "Q5_K", 256, 176),
    (14, "Q6_K", 256, 210),
    (15, "Q8_K", 256, 292),
    (16, "IQ2_XXS", 256, 66),
    (17, "IQ2_XS", 256, 74),
    (18, "IQ3_XXS", 256, 98),
    (19, "IQ1_S", 256, 50),
    (20, "IQ4_NL", 32, 18),
    (21, "IQ3_S", 256, 110),
    (22, "IQ2_S", 256, 82),
    (23, "IQ4_XS", 256, 136),
    (24, "I8", 1, 1),
    (25, "I16", 1, 2),
    (26, "I32", 1, 4),
    (27, "I64", 1, 8),
    (28, "F64", 1, 8),
    (29, "IQ1_M", 256, 56),
    (30, "BF16", 1, 2),
    (34, "TQ1_0", 256, 54),
    (35, "TQ2_0", 256, 66),
    (39, "MXFP4", 32, 17),
    (40, "NVFP4", 64, 36),
    (41, "Q1_0", 128, 18),
    (42, "Q2_0", 64, 18),
];

impl GgmlType {
    pub fn from_id(id: u32) -> Option<GgmlType> {
        TYPES.iter().find(|t| t.0 == id).map(|&(id, name, block_size, type_size)| GgmlType { id, name, block_size, type_size })
    }

    /// A type by its name (`Q4_K`, case-insensitive).
    pub fn from_name(name: &str) -> Option<GgmlType> {
        TYPES.iter().find(|t| t.1.eq_ignore_ascii_case(name)).map(|&(id, name, block_size, type_size)| GgmlType { id, name, block_size, type_size })
    }

    /// Bits per weight of this type's block layout.
    pub fn bits_per_weight(&self) -> f64 {
        self.type_size as f64 * 8.0 / self.block_size as f64
    }

    /// Bytes taken by `elements` values, or `None` when the count is not whole blocks.
    pub fn bytes_for(&self, elements: u64) -> Option<u64> {
        if !elements.is_multiple_of(self.block_size) {
            return None;
        }
        (elements / self.block_size).checked_mul(self.type_size)
    }
}

/// The `general.file_type` value (llama.cpp's `llama_ftype`) of a file type name, e.g. `Q4_K_M`
/// (`MXFP4` is accepted for llama.cpp's `MXFP4_MOE`).
pub fn file_type_id(name: &str) -> Option<u32> {
    let name = if name.eq_ignore_ascii_case("MXFP4") { "MXFP4_MOE" } else { name };
    (0..64).find(|&id| file_type_name(id).is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

/// The name of a `general.file_type` value (llama.cpp's `llama_ftype`), as users know it.
pub fn file_type_name(ftype: u32) -> Option<&'static str> {
    Some(match ftype {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4_MOE",
        39 => "NVFP4",
        40 => "Q1_0",
        41 => "Q2_0",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q4_k_is_4_5_bits_per_weight() {
        let t = GgmlType::from_id(12).unwrap();
        assert_eq!(t.name, "Q4_K");
        assert_eq!(t.bytes_for(256 * 4), Some(144 * 4));
        assert_eq!(t.type_size * 8 * 1000 / t.block_size, 4500);
    }

    #[test]
    fn partial_blocks_are_rejected() {
        assert_eq!(GgmlType::from_id(2).unwrap().bytes_for(33), None);
        assert!(GgmlType::from_id(4).is_none(), "Q4_2 was removed from ggml");
    }
}
