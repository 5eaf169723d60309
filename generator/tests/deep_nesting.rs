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

/// A spec whose schema `U` is a union naming itself, with an example: choosing the variant an
/// example fits walked `U → U → …` without end (a stack overflow found by long fuzz runs).
#[test]
fn a_union_that_names_itself_with_an_example_generates() {
    let spec = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "Self", "version": "1"},
        "paths": {"/u": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/U"}}}},
            "responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/U"}}}}}}}},
        "components": {"schemas": {
            "U": {"oneOf": [{"$ref": "#/components/schemas/U"}, {"$ref": "#/components/schemas/V"}], "example": {"x": 1}},
            "V": {"oneOf": [{"$ref": "#/components/schemas/U"}, {"type": "integer"}], "example": true}
        }}
    })
    .to_string();
    generate_on_small_stack(spec).unwrap();
}

/// The case `FUZZ_SEED=4242 PROPTEST_CASES=40000 cargo test --release -p openapi-sdkgen --test
/// fuzz mutated` aborted on (thread 'sdkgen' overflowed its stack, after growing to 17 GB):
/// `Base` has a property that is `allOf` of `Base` itself and an inline object, so each
/// lowering of the property merged `Base`'s properties again, that property among them, and
/// made a new inline type for it, without end.
#[test]
fn a_property_that_is_all_of_its_own_schema_generates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/crash/allof_self_property_4242.json");
    generate_on_small_stack(std::fs::read_to_string(path).unwrap()).unwrap();
    let minimal = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "Self", "version": "1"},
        "paths": {},
        "components": {"schemas": {"Base": {"type": "object", "required": ["name"], "properties": {
            "name": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"x": {"type": "string"}}}]}
        }}}}
    });
    generate_on_small_stack(minimal.to_string()).unwrap();
}
