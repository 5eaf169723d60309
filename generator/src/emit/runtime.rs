//! `src/runtime/`: the runtime source, copied verbatim from `generator/runtime/src`, where it
//! is compiled and unit-tested as a crate of its own.

use super::Header;
use crate::fileset::FileSet;
use crate::ir::Api;

/// Runtime modules that only a crate with an ingestor (`[bulk.NAME] ingestor = ..`) carries.
const INGESTOR_MODULES: &[&str] = &["ingestor", "spool"];

/// Every runtime source file: (file name, contents).
const FILES: &[(&str, &str)] = &[
    ("mod.rs", include_str!("../../runtime/src/lib.rs")),
    ("bulk.rs", include_str!("../../runtime/src/bulk.rs")),
    ("call.rs", include_str!("../../runtime/src/call.rs")),
    ("client_core.rs", include_str!("../../runtime/src/client_core.rs")),
    ("enums.rs", include_str!("../../runtime/src/enums.rs")),
    ("errors.rs", include_str!("../../runtime/src/errors.rs")),
    ("hooks.rs", include_str!("../../runtime/src/hooks.rs")),
    ("ingestor.rs", include_str!("../../runtime/src/ingestor.rs")),
    ("spool.rs", include_str!("../../runtime/src/spool.rs")),
    ("retry.rs", include_str!("../../runtime/src/retry.rs")),
    ("validate.rs", include_str!("../../runtime/src/validate.rs")),
];

pub(crate) fn emit(api: &Api, header: &Header, files: &mut FileSet) {
    let left_out: &[&str] = if api.has_ingestor() { &[] } else { INGESTOR_MODULES };
    for (name, contents) in FILES {
        let module = name.trim_end_matches(".rs");
        if left_out.contains(&module) {
            continue;
        }
        let text = if *name == "mod.rs" {
            contents
                .lines()
                .filter(|l| !left_out.iter().any(|m| *l == format!("pub mod {m};")))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        } else {
            (*contents).to_owned()
        };
        files.insert(format!("src/runtime/{name}"), format!("{}\n{text}", header.rust()));
    }
}

/// Whether the crate's dependencies must include those of the ingestor's spool.
pub(crate) fn needs_ingestor_deps(api: &Api) -> bool {
    api.has_ingestor()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_module_is_copied() {
        let lib = FILES[0].1;
        for line in lib.lines() {
            if let Some(m) = line.strip_prefix("pub mod ").and_then(|l| l.strip_suffix(';')) {
                assert!(FILES.iter().any(|(f, _)| *f == format!("{m}.rs")), "runtime module `{m}` is not copied");
            }
        }
        for (name, contents) in FILES {
            let code = contents.lines().filter(|l| !l.trim_start().starts_with("//"));
            for line in code {
                assert!(
                    !line.contains("crate::"),
                    "runtime file {name} must use `super::` paths, not `crate::`: {line}"
                );
            }
        }
    }
}
