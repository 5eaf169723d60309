//! Deeply nested documents get a clear error, not a stack overflow, on a thread with the
//! default 2 MiB stack of spawned threads and test threads.

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

/// A spec whose response schema nests `levels` inline objects.
fn nested(levels: usize) -> String {
    let mut schema = serde_json::json!({"type": "string"});
    for i in 0..levels {
        schema = serde_json::json!({"type": "object", "properties": {format!("p{i}"): schema}});
    }
    serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "Deep", "version": "1"},
        "paths": {"/deep": {"get": {"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": schema}}}}}}}
    })
    .to_string()
}

fn generate_on_small_stack(text: String) -> Result<(), String> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            sdkgen::generate_str("deep.json", &text, &Config::default(), LowerOptions::default())
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .unwrap()
        .join()
        .expect("no stack overflow or panic")
}

#[test]
fn moderately_deep_documents_generate() {
    generate_on_small_stack(nested(20)).unwrap();
}

#[test]
fn every_depth_up_to_the_limit_gives_a_result_not_a_crash() {
    for levels in 20..64 {
        let _ = generate_on_small_stack(nested(levels));
    }
}

#[test]
fn too_deep_documents_are_refused_with_a_pointer() {
    for levels in [40, 100] {
        let err = generate_on_small_stack(nested(levels)).unwrap_err();
        assert!(err.contains("deeper than") || err.contains("recursion limit"), "{levels}: {err}");
    }
}
