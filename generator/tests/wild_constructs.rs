//! Constructs of public API descriptions that broke the generator, one small fixture each
//! (`tests/fixtures/wild/`). The fixtures are also generated and checked with clippy
//! (`-D warnings`) and their round trips by `cargo xtask test`
//! (`cargo xtask corpus generator/tests/fixtures/wild --test`).

use sdkgen::config::Config;
use sdkgen::ir::{ParamLocation, TypeDef, TypeKind, TypeRef};
use sdkgen::lower::LowerOptions;
use sdkgen::Generated;

fn generate(name: &str) -> Generated {
    let path = format!("{}/tests/fixtures/wild/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut config = Config::default();
    config.package.name = Some("wild".into());
    sdkgen::generate_str(name, &text, &config, LowerOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn ty<'a>(g: &'a Generated, name: &str) -> &'a TypeDef {
    g.api
        .types
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no type {name}: {:?}", g.api.types.iter().map(|t| &t.name).collect::<Vec<_>>()))
}

fn warnings(g: &Generated) -> Vec<String> {
    g.warnings.iter().map(|w| format!("{} {}", w.pointer, w.message)).collect()
}

#[test]
fn const_unions_with_titles_are_open_enums_named_by_the_titles() {
    let g = generate("enum_idioms_31.yaml");
    let TypeKind::IntEnum { variants } = &ty(&g, "Priority").kind else { panic!("{:?}", ty(&g, "Priority").kind) };
    let names: Vec<(&str, i64)> = variants.iter().map(|v| (v.rust_name.as_str(), v.value)).collect();
    assert_eq!(names, [("Low", 0), ("Normal", 1), ("High", 2)]);
    assert_eq!(variants[0].description, None, "an empty description is no description");
    assert_eq!(variants[2].description.as_deref(), Some("Run before the others."));
    let TypeKind::StringEnum { variants } = &ty(&g, "Stage").kind else { panic!("{:?}", ty(&g, "Stage").kind) };
    let names: Vec<(&str, &str)> = variants.iter().map(|v| (v.rust_name.as_str(), v.value.as_str())).collect();
    assert_eq!(names, [("Waiting", "queued"), ("Running", "running"), ("Finished", "done-ok")]);
    let TypeKind::IntEnum { variants } = &ty(&g, "Level").kind else { panic!() };
    let names: Vec<&str> = variants.iter().map(|v| v.rust_name.as_str()).collect();
    assert_eq!(names, ["Debug", "Info", "Warn"], "x-enum-varnames still name integer enums");
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn names_outside_ascii_and_alias_cycles() {
    let g = generate("names_unicode.yaml");
    let names: Vec<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    for expected in ["Arger", "U65e5U672c", "U4e2dU56fd", "ModelsType", "N123", "SelfModel"] {
        let expected = if expected == "ModelsType" { "Models" } else { expected };
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert_eq!(ty(&g, "Models").module, "models_type", "no module models::models");
    for t in &g.api.types {
        assert_ne!(t.name, t.module, "type and module names differ");
    }
    let TypeKind::Struct { fields, .. } = &ty(&g, "Arger").kind else { panic!() };
    let fields: Vec<&str> = fields.iter().map(|f| f.rust_name.as_str()).collect();
    assert_eq!(fields, ["field", "grosse", "u540d_u524d"]);
    let w = warnings(&g);
    for cycle in ["#/components/schemas/A the references A → B → A", "#/components/schemas/B the references B → A → B"]
    {
        assert!(w.iter().any(|l| l.starts_with(cycle)), "{cycle} in {w:?}");
    }
    assert!(matches!(ty(&g, "A").kind, TypeKind::Alias(TypeRef::Json)));
}

#[test]
fn deprecated_fields_are_marked_and_used_by_the_crate_without_warnings() {
    let g = generate("deprecated_fields.yaml");
    let account = g.files.iter().find(|(p, _)| p.ends_with("models/account.rs")).unwrap().1;
    assert!(account.contains("#[deprecated"), "{account}");
    // Every generated item that reads the fields allows it (the clippy run proves the rest).
    for item in [
        "#[allow(deprecated)]\nimpl crate::runtime::validate::Validate for Account",
        "#[allow(deprecated)]\n    pub fn fill_idempotency_keys",
    ] {
        assert!(account.contains(item), "{item} in\n{account}");
    }
    // An operation without a tag is also a method of the client, forwarding to the deprecated
    // method of its group.
    let forwarding = g.files.get("src/operations/default.rs").expect("the untagged operations");
    assert!(forwarding.contains("#[allow(deprecated)]\n    pub fn legacy_accounts(&self)"), "{forwarding}");
}

#[test]
fn three_one_corners_load_and_keep_their_meaning() {
    let g = generate("misc_31.yaml");
    let w = warnings(&g);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("#/components/schemas/IndexSwap/properties/indexes/items the `false` schema"), "{w:?}");
    let op = &g.api.operations[0];
    assert_eq!(op.params.iter().map(|p| p.wire_name.as_str()).collect::<Vec<_>>(), ["limit"]);
    let index_swap = g.api.type_named("IndexSwap").expect("the type");
    assert_eq!(op.response, TypeRef::Named(index_swap), "a $ref with a description is still the type");
    let TypeKind::Struct { fields, .. } = &ty(&g, "Member").kind else { panic!() };
    assert!(fields.iter().any(|f| f.wire_name == "$ref" && f.ty == TypeRef::String), "{fields:?}");
    let page = g.files.get("docs/models/member.md").expect("the model page");
    assert!(page.contains(r#""floor": -3000000000_i64, "quota": 5000000000_i64"#), "integers beyond i32 typed: {page}");
}

#[test]
fn examples_that_contradict_their_schema_are_reported_and_skipped() {
    let g = generate("example_mismatch.yaml");
    let w = warnings(&g);
    let expected = [
        "#/components/schemas/Customer/example the example does not match its schema (required property `id` is missing)",
        "#/paths/~1customers/post/requestBody/content/application~1json/example the example does not match its schema (`id` is an integer, the schema says a string)",
        "#/paths/~1customers/post/responses/201/content/application~1json/examples/ada/value the example does not match its schema (`name` is an array, the schema says a string)",
    ];
    assert_eq!(w.len(), expected.len(), "{w:?}");
    for e in expected {
        assert!(w.iter().any(|l| l.starts_with(e)), "{e} in {w:?}");
    }
    let cases = g.files.iter().find(|(p, _)| p.ends_with("spec_examples/cases.rs")).unwrap().1;
    assert_eq!(cases.matches("#[ignore = \"the spec's example contradicts its schema").count(), 3, "{cases}");
    assert!(cases.contains("fn response_list_customers()"), "the good example is still tested");
}

#[test]
fn identical_inline_schemas_are_one_type_named_from_the_first_use() {
    let g = generate("identical_inline.yaml");
    let names: Vec<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["GetAResponse", "GetAResponseNamesItem", "GetCResponse", "GetCResponseNamesItem"]);
    let responses: Vec<&str> =
        g.api.operations.iter().map(|o| g.api.type_of(&o.response).unwrap().name.as_str()).collect();
    assert_eq!(responses, ["GetAResponse", "GetAResponse", "GetCResponse"]);
    // The uses describe the page differently: neither's words document the shared type.
    assert_eq!(ty(&g, "GetAResponse").description, None, "no use documented with another's words");
    let TypeKind::Struct { fields, .. } = &ty(&g, "GetAResponse").kind else { panic!() };
    assert_eq!(fields[1].description, None, "`next` is described differently by the two uses");
}

#[test]
fn an_inline_type_is_renamed_by_the_pointer_of_its_first_use() {
    let path = format!("{}/tests/fixtures/wild/identical_inline.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let config = Config::parse(
        "c.toml",
        "[package]\nname = \"wild\"\n[types.rename]\n\"#/paths/~1a/get/responses/200/content/application~1json/schema\" = \"NamePage\"\n",
    )
    .unwrap();
    let g = sdkgen::generate_str("identical_inline.yaml", &text, &config, LowerOptions::default()).unwrap();
    let page = g.api.type_named("NamePage").expect("the renamed type");
    let responses: Vec<&TypeRef> = g.api.operations.iter().map(|o| &o.response).collect();
    assert_eq!(responses[..2], [&TypeRef::Named(page), &TypeRef::Named(page)]);
}

#[test]
fn aliases_that_come_back_to_themselves_are_json_values_with_a_warning() {
    let g = generate("alias_cycles.yaml");
    let mut w = warnings(&g);
    w.sort();
    let pointers: Vec<&str> = w.iter().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(pointers, ["#/components/schemas/L", "#/components/schemas/P", "#/components/schemas/Q"], "{w:?}");
    for name in ["L", "P", "Q"] {
        assert!(matches!(ty(&g, name).kind, TypeKind::Alias(TypeRef::Json)), "{name}: {:?}", ty(&g, name).kind);
    }
    // A cycle through a struct is fine: Tree = Vec<Node>, Node { children: Option<Tree> }.
    assert!(matches!(&ty(&g, "Tree").kind, TypeKind::Alias(TypeRef::Vec(_))), "{:?}", ty(&g, "Tree").kind);
}

#[test]
fn a_reference_in_all_of_beside_annotations_is_the_referenced_type() {
    let g = generate("allof_annotations.yaml");
    assert!(warnings(&g).is_empty(), "{:?}", warnings(&g));
    let currency = g.api.type_named("Currency").expect("the enum");
    let names: Vec<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Currency", "Revenue"], "no struct is made for the annotated references");
    let param = &g.api.operations[0].params[0];
    assert_eq!(param.ty, TypeRef::Named(currency), "the parameter is the enum, not an empty struct");
    let TypeKind::Struct { fields, .. } = &ty(&g, "Revenue").kind else { panic!() };
    let field = |wire: &str| fields.iter().find(|f| f.wire_name == wire).expect("the field");
    assert_eq!(field("currency").ty, TypeRef::Named(currency));
    assert!(field("currency").is_plain(), "required and not nullable");
    assert_eq!(field("currency").description.as_deref(), Some("Currency of the amount."));
    assert_eq!(field("previous_currency").ty, TypeRef::Named(currency));
    assert!(field("previous_currency").nullable, "a `nullable: true` member makes the value nullable");
}

#[test]
fn prose_links_titles_and_stray_path_parameters() {
    let g = generate("prose_and_titles.yaml");
    // A path parameter the path has no place for is sent as a query parameter, with a warning
    // at its pointer.
    let w = warnings(&g);
    assert_eq!(
        w,
        ["#/paths/~1v2~1DeleteBucket/post/parameters/0 path parameter `id` is not in the path `/v2/DeleteBucket`; it is sent as a query parameter"]
    );
    let op = &g.api.operations[0];
    let params: Vec<(&str, ParamLocation, bool)> =
        op.params.iter().map(|p| (p.wire_name.as_str(), p.location, p.required)).collect();
    assert_eq!(params, [("id", ParamLocation::Query, true), ("force", ParamLocation::Query, false)]);
    // Markdown links stay links; URLs in parentheses or prose are autolinks (the corpus run
    // builds the docs with rustdoc's warnings refused).
    let lib = g.files.get("src/lib.rs").unwrap();
    assert!(lib.contains("[demo servers](https://example.com/demo/)"), "{lib}");
    assert!(lib.contains("(<https://datatracker.ietf.org/doc/html/rfc7807>)"), "{lib}");
    assert!(lib.contains("\\[reference\\]"), "{lib}");
    // The title's emoji and quotes are valid TOML in the manifest.
    let manifest: toml::Table = g.files.get("Cargo.toml").unwrap().parse().expect("Cargo.toml is TOML");
    assert!(manifest["package"]["description"].as_str().unwrap().contains("\u{267e}\u{fe0f} Infinity \"quoted\" API"));
}

#[test]
fn alternatives_inside_all_of_are_optional_fields() {
    let g = generate("allof_alternatives.yaml");
    let TypeKind::Struct { fields, .. } = &ty(&g, "AddAliasRequest").kind else { panic!() };
    let fields: Vec<(&str, bool)> = fields.iter().map(|f| (f.wire_name.as_str(), f.required)).collect();
    // Each alternative's properties can be sent and read; only the allOf's own are required.
    assert_eq!(fields, [("globalAlias", false), ("kind", false), ("localAlias", false), ("bucketId", true)]);
    let TypeKind::StringEnum { variants } = &ty(&g, "AddAliasRequestKind").kind else { panic!("the tag's enum") };
    let values: Vec<&str> = variants.iter().map(|v| v.value.as_str()).collect();
    assert_eq!(values, ["global", "local"], "each alternative's tag value, not the last one's");
    assert_eq!(
        warnings(&g),
        ["#/components/schemas/AddAliasRequest/allOf/0 oneOf/anyOf inside allOf: the properties of its alternatives are optional fields of the object"]
    );
}

#[test]
fn binary_fields_of_multipart_bodies_are_files_sent_as_parts() {
    let g = generate("multipart_files.yaml");
    let field_types = |name: &str| -> Vec<(String, TypeRef)> {
        let TypeKind::Struct { fields, .. } = &ty(&g, name).kind else { panic!("{name} is a struct") };
        fields.iter().map(|f| (f.wire_name.clone(), f.ty.clone())).collect()
    };
    let files = |t: TypeRef| TypeRef::Vec(Box::new(t));
    assert_eq!(
        field_types("MediaUpload"),
        [
            ("attachments".to_owned(), files(TypeRef::File)),
            ("description".to_owned(), TypeRef::String),
            ("file".to_owned(), TypeRef::File),
            ("tags".to_owned(), files(TypeRef::String)),
            ("thumbnail".to_owned(), TypeRef::File),
        ],
        "3.0's `format: binary`, directly, through a reference and in a list"
    );
    assert_eq!(
        field_types("UploadSnapshotBody"),
        [("checksum".to_owned(), TypeRef::String), ("snapshot".to_owned(), TypeRef::File)],
        "3.1's `contentMediaType`: binary content is a file, text content a string"
    );
    assert_eq!(field_types("Media")[1], ("preview".to_owned(), TypeRef::String), "a JSON body's binary string is text");
    let TypeKind::Struct { fields, .. } = &ty(&g, "MediaUpload").kind else { panic!() };
    assert!(!fields[2].constraints.is_checked(), "a file's maxLength is not a string length to check");
    let ops = g.files.get("src/operations/default.rs").expect("the untagged operations");
    assert!(
        ops.contains(
            r#"request.multipart_json(&body, &[("attachments", &body.attachments), ("file", &body.file), ("thumbnail", &body.thumbnail)])"#
        ),
        "{ops}"
    );
    assert!(ops.contains(r#"Some(b) => request.multipart_json(&b, &[("snapshot", &b.snapshot)])"#), "{ops}");
    assert_eq!(field_types("UploadAssetBody"), [("file".to_owned(), TypeRef::File)], "a part without a schema type");
    let download = g.api.operations.iter().find(|o| o.rust_name == "download_media").expect("the download");
    assert_eq!(download.response, TypeRef::Bytes, "`*/*` with a list of byte strings is a file, not JSON");
    assert!(g.files.get("src/lib.rs").unwrap().contains("pub use runtime::multipart::FilePart;"));
    let cases = g.files.get("tests/spec_examples/cases.rs").unwrap_or_default();
    assert!(!cases.contains("media_upload"), "no JSON round trip for a multipart body");
    assert_eq!(
        warnings(&g),
        ["#/paths/~1assets/post/requestBody/content/multipart~1form-data/schema/properties/file a multipart field without a schema type is sent as a file (`FilePart`)"]
    );
}

#[test]
fn optional_nullable_fields_can_be_sent_as_null() {
    let g = generate("nullable_patch.yaml");
    let patch = g.files.get("src/models/customer_patch.rs").expect("the patch model");
    for expected in [
        "1 email \"email\" maybe_null,",
        "0 created \"created\" optional,",
        "} nulls sent_as_null",
        "    sent_as_null: crate::runtime::structs::Nulls,\n",
        "with_email_as_null email: null (),",
        "with_email_null_null email_null: null (),",
        "with_labels_null labels: null (),",
    ] {
        assert!(patch.contains(expected), "{expected} in\n{patch}");
    }
    assert!(!patch.contains("pub sent_as_null"), "the record is private");
    let customer = g.files.get("src/models/customer.rs").expect("the response model");
    assert!(customer.contains("0 email \"email\" nullable,"), "a required nullable field is always written");
    assert!(customer.contains("} rest additional_properties nulls sent_as_null"), "{customer}");
    assert!(customer.contains("sent_as_null: Default::default(),"), "the constructor starts with no nulls");
    let page = g.files.get("docs/models/customer_patch.md").expect("the model page");
    assert!(page.contains("CustomerPatch::new().with_email_as_null().with_name(\"Ada\")"), "{page}");
    assert!(page.contains(r#"serde_json::json!({"email": null, "name": "Ada"})"#), "{page}");
    assert!(g.files.get("README.md").unwrap().contains("## Sending `null`"));
    let ops = g.files.get("src/operations/default.rs").expect("the operations");
    assert!(
        ops.contains(r#"request.json_as(&body, "application/merge-patch+json")"#),
        "the declared media type: {ops}"
    );
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn a_property_of_several_all_of_members_is_the_narrower_declaration() {
    let g = generate("allof_narrowing.yaml");
    let TypeKind::Struct { fields, .. } = &ty(&g, "Document").kind else { panic!() };
    let field = |wire: &str| fields.iter().find(|f| f.wire_name == wire).expect("the field");
    let code = field("code").ty.named().map(|id| g.api.ty(id).name.as_str());
    assert_eq!(code, Some("DocumentCode"), "the enum, not the base's string");
    assert!(matches!(g.api.ty(field("code").ty.named().unwrap()).kind, TypeKind::StringEnum { .. }));
    assert!(field("code").is_plain(), "still required by the base");
    assert_eq!(field("kind").ty, TypeRef::Named(g.api.type_named("Kind").unwrap()), "annotations keep the type");
    assert_eq!(field("issued_at").ty, TypeRef::DateTime, "a format narrows a string");
    assert!(field("note").nullable, "a declaration without null does not drop the null another allows");
    let w = warnings(&g);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("/properties/id property `id` is declared differently"), "{w:?}");
}

#[test]
fn alternatives_of_one_rust_type_are_merged_not_left_unreachable() {
    let g = generate("same_type_unions.yaml");
    assert!(matches!(&ty(&g, "PublicKey").kind, TypeKind::Alias(TypeRef::String)), "three strings are a string");
    let TypeKind::Union { variants, .. } = &ty(&g, "Contact").kind else { panic!("{:?}", ty(&g, "Contact").kind) };
    let names: Vec<(&str, &TypeRef)> = variants.iter().map(|v| (v.rust_name.as_str(), &v.ty)).collect();
    assert_eq!(names, [("Handle", &TypeRef::String), ("Phone", &TypeRef::I64)]);
    let TypeKind::Union { variants, .. } = &ty(&g, "Owner").kind else { panic!("{:?}", ty(&g, "Owner").kind) };
    let names: Vec<&str> = variants.iter().map(|v| v.rust_name.as_str()).collect();
    assert_eq!(names, ["Account", "StringModel"], "the same `$ref` twice is one variant");
    assert_eq!(
        warnings(&g),
        [
            "#/components/schemas/Contact/oneOf alternatives of the same Rust type cannot be told apart once read: `StringModel` into `Handle` merged",
            "#/components/schemas/Owner/anyOf alternatives of the same Rust type cannot be told apart once read: `Account2` into `Account` merged",
            "#/components/schemas/PublicKey/oneOf alternatives of the same Rust type cannot be told apart once read: `Secp256k1` into `Ed25519`, `P256` into `Ed25519` merged",
        ]
    );
}

#[test]
fn object_query_parameters_in_the_default_style_are_their_fields() {
    let g = generate("query_objects.yaml");
    let ops = g.files.get("src/operations/default.rs").expect("the operations");
    assert!(ops.contains("request = request.query_object(&all_request_params);"), "{ops}");
    assert!(ops.contains("request = request.query_object(&value);"), "the optional one: {ops}");
    assert_eq!(
        warnings(&g),
        ["#/paths/~1metadata/post/parameters/2 parameter `packed` (an object) cannot be serialized; it is sent as JSON text"],
        "only the unexploded object is JSON text"
    );
}

#[test]
fn a_discriminator_over_inline_variants_that_fix_its_value_tags_them() {
    use sdkgen::ir::UnionTagging;
    let g = generate("tagged_inline_variants.yaml");
    let TypeKind::Union { tagging, variants } = &ty(&g, "Content").kind else { panic!() };
    assert_eq!(*tagging, UnionTagging::Internal("_type".into()));
    let tags: Vec<(&str, Option<&str>)> = variants.iter().map(|v| (v.rust_name.as_str(), v.tag.as_deref())).collect();
    assert_eq!(tags, [("Deploy", Some("Deploy")), ("Run", Some("Run"))], "named and tagged by the value each fixes");
    let TypeKind::Union { tagging, .. } = &ty(&g, "Loose").kind else { panic!() };
    assert_eq!(*tagging, UnionTagging::Untagged, "one variant fixes no value");
    let TypeKind::Union { tagging, .. } = &ty(&g, "Twins").kind else { panic!() };
    assert_eq!(*tagging, UnionTagging::Untagged, "both variants fix the same value");
    assert_eq!(
        warnings(&g),
        [
            "#/components/schemas/Loose/oneOf discriminator over inline schemas that fix no value for it is ignored; variants are tried in order",
            "#/components/schemas/Twins/oneOf discriminator values repeat across variants, so they cannot choose one; variants are tried in order",
        ]
    );
}

#[test]
fn fields_of_one_possible_value_are_set_by_new_not_passed_to_it() {
    let g = generate("fixed_tags.yaml");
    let function = g.files.get("src/models/function_tool.rs").expect("FunctionTool");
    assert!(function.contains("pub fn new(name: impl Into<String>) -> Self"), "{function}");
    assert!(function.contains("schema_version: FunctionToolSchemaVersion::V2,"), "an integer `const`: {function}");
    assert!(function.contains("type_: FunctionToolType::Function,"), "a one-value `enum`: {function}");
    assert!(!function.contains("impl Default for FunctionTool"), "`name` is still an argument");
    // Only such fields required: `new()` takes nothing, so the type is also `Default`.
    let search = g.files.get("src/models/search_tool.rs").expect("SearchTool");
    assert!(search.contains("pub fn new() -> Self"), "{search}");
    assert!(search.contains("impl Default for SearchTool"), "{search}");
    // Snippets and docs call `new` as it is.
    let example = g.files.get("examples/add_tool.rs").unwrap();
    assert!(example.contains("FunctionTool::new(\"lookup_order\")"), "{example}");
    let page = g.files.get("docs/models/function_tool.md").unwrap();
    assert!(page.contains("`FunctionTool::new(name)`"), "{page}");
    assert!(page.contains("Set by `new()`; values: `function`"), "{page}");
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn a_property_every_variant_requires_and_fixes_tags_the_union() {
    use sdkgen::ir::UnionTagging;
    let g = generate("implied_tags.yaml");
    let tags = |name: &str| {
        let TypeKind::Union { tagging, variants } = &ty(&g, name).kind else { panic!("{name}") };
        let tags: Vec<(String, Option<String>)> =
            variants.iter().map(|v| (v.rust_name.clone(), v.tag.clone())).collect();
        (tagging.clone(), tags)
    };
    let some = |n: &str, t: &str| (n.to_owned(), Some(t.to_owned()));
    // No discriminator: `const` and a one-value `enum` alike.
    assert_eq!(tags("Pet"), (UnionTagging::Internal("kind".into()), vec![some("Cat", "cat"), some("Dog", "dog")]));
    // Inline variants are named by the value they fix.
    assert_eq!(
        tags("Shape"),
        (UnionTagging::Internal("shape".into()), vec![some("Circle", "circle"), some("Square", "square")])
    );
    // A tag a value may leave out does not choose a variant.
    assert_eq!(tags("Optional").0, UnionTagging::Untagged);
    // A discriminator without a mapping: the value each schema fixes, not its name.
    assert_eq!(
        tags("Block"),
        (UnionTagging::Internal("type".into()), vec![some("TextBlock", "text"), some("ImageBlock", "image_url")])
    );
    // The tag narrowed in the variant's own allOf member, over a base that declares any string.
    let notices = vec![some("EmailNotice", "email"), some("SmsNotice", "sms")];
    assert_eq!(tags("AnyNotice"), (UnionTagging::Internal("channel".into()), notices.clone()));
    assert_eq!(tags("TaggedNotice"), (UnionTagging::Internal("channel".into()), notices));
    let pet = g.files.get("src/models/pet.rs").unwrap();
    assert!(pet.contains("Some(\"dog\") =>"), "{pet}");
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn a_tag_the_variant_does_not_declare_is_in_its_json_and_ignored_headers_are_ignored() {
    let g = generate("undeclared_tag.yaml");
    // The serializer adds `method` to a `Bank`; the snippet's JSON says so, and the union's own
    // example (which carries it) is not reported as a mismatch.
    let page = g.files.get("docs/models/method.md").unwrap();
    assert!(page.contains(r#"{"iban": "DE89370400440532013000", "method": "bank"}"#), "{page}");
    let readme = g.files.get("README.md").unwrap();
    assert!(readme.contains(r#"\"method\":\"card\""#), "the stand-in server's body is tagged: {readme}");
    // `Authorization`, `Content-Type` and `Accept` header parameters are not arguments.
    let get = g.api.operations.iter().find(|o| o.rust_name == "get_method").unwrap();
    let names: Vec<&str> = get.params.iter().map(|p| p.wire_name.as_str()).collect();
    assert_eq!(names, ["id", "X-Trace"]);
    // Each said once, though the path item's `Authorization` is lowered for two operations.
    let w = warnings(&g);
    assert_eq!(w.len(), 3, "{w:#?}");
    assert!(
        w[0].starts_with("#/paths/~1methods~1{id}/parameters/1 header parameter `Authorization` is ignored"),
        "{w:#?}"
    );
    // They are notes: OpenAPI asks for it, so `--strict` does not refuse the document.
    assert!(g.warnings.iter().all(|d| d.severity == sdkgen::diag::Severity::Note), "{w:#?}");
    let path = format!("{}/tests/fixtures/wild/undeclared_tag.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut config = Config::default();
    config.package.name = Some("wild".into());
    let strict = sdkgen::generate_str("undeclared_tag.yaml", &text, &config, LowerOptions { strict: true });
    assert!(strict.is_ok(), "refused under --strict");
}

#[test]
fn required_fields_that_travel_one_way_are_optional_in_types_that_travel_both() {
    let g = generate("one_way_fields.yaml");
    let required = |name: &str| -> Vec<(String, bool)> {
        let TypeKind::Struct { fields, .. } = &ty(&g, name).kind else { panic!("{name}") };
        fields.iter().map(|f| (f.wire_name.clone(), f.required)).collect()
    };
    let r = |n: &str, b: bool| (n.to_owned(), b);
    // Sent and read: the server sets `id`, and never gives `password` back.
    assert_eq!(required("User"), [r("id", false), r("name", true), r("password", false)]);
    let user = g.files.get("src/models/user.rs").unwrap();
    assert!(user.contains("pub fn new(name: impl Into<String>) -> Self"), "{user}");
    // Read only, or sent only: required as declared.
    assert_eq!(required("Receipt"), [r("id", true)]);
    assert_eq!(required("Login"), [r("secret", true)]);
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn a_parameter_that_may_be_a_list_is_sent_item_by_item() {
    let g = generate("list_union_params.yaml");
    let ops = g.files.get("src/operations/default.rs").unwrap();
    // Exploded (the query's default): a pair per item.
    assert!(ops.contains(r#"request = request.query_each("id", &value);"#), "{ops}");
    // Not exploded, or a header, or a list in the path: the items joined by commas.
    assert!(
        ops.contains(r#"request = request.query("tag", crate::runtime::request::list_text(&value, ","));"#),
        "{ops}"
    );
    assert!(
        ops.contains(r#"request = request.header("X-Shards", crate::runtime::request::list_text(&value, ","));"#),
        "{ops}"
    );
    assert!(ops.contains(r#"&crate::runtime::request::path_list(&keys)"#), "{ops}");
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn properties_beside_the_alternatives_belong_to_each_of_them() {
    let g = generate("union_siblings.yaml");
    let field_names = |name: &str| -> Vec<String> {
        let TypeKind::Struct { fields, .. } = &ty(&g, name).kind else { panic!("{name}") };
        fields.iter().map(|f| f.wire_name.clone()).collect()
    };
    // Shared properties: each alternative is itself merged with them.
    let TypeKind::Union { variants, .. } = &ty(&g, "Quote").kind else { panic!() };
    let payloads: Vec<&str> = variants.iter().map(|v| g.api.ty(v.ty.named().unwrap()).name.as_str()).collect();
    assert_eq!(payloads, ["QuoteByWeight", "QuoteBySize"]);
    assert_eq!(field_names("QuoteBySize"), ["cm", "kind", "id", "note"]);
    // A shared allOf; inline alternatives named by the property only each has.
    let TypeKind::Union { variants, .. } = &ty(&g, "Label").kind else { panic!() };
    let names: Vec<&str> = variants.iter().map(|v| v.rust_name.as_str()).collect();
    assert_eq!(names, ["Tracking", "Reference"]);
    assert_eq!(field_names("LabelTracking"), ["tracking", "carrier"]);
    // Alternatives that only say which property is required: the object itself.
    assert_eq!(field_names("Contact"), ["email", "phone"]);
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn an_all_of_of_one_inline_schema_is_that_schema_under_the_outer_name() {
    let g = generate("allof_single_inline.yaml");
    let names: Vec<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["MakeXBody", "MakeXBodySettings", "MakeXResponse", "Thing"], "no `Thing2` behind an alias");
    assert!(matches!(ty(&g, "Thing").kind, TypeKind::Struct { .. }));
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn fields_of_alias_types_take_what_the_aliased_type_takes() {
    let g = generate("alias_setters.yaml");
    let order = g.files.get("src/models/order.rs").unwrap();
    assert!(order.contains("pub fn new(id: impl Into<String>) -> Self"), "{order}");
    assert!(order.contains("with_parent parent: into String,"), "{order}");
    assert!(order.contains("with_labels labels: strings String,"), "{order}");
    assert!(order.contains("with_related related: strings String,"), "a list of an alias: {order}");
    // Parameters alike: the path argument, the optional parameters' setters.
    let ops = g.files.get("src/operations/default.rs").unwrap();
    assert!(ops.contains("id: impl Into<String>,"), "{ops}");
    assert!(ops.contains("with_x_request_id x_request_id: into String,"), "{ops}");
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}

#[test]
fn credential_setters_of_one_kind_are_told_apart_without_repeating_themselves() {
    let g = generate("security_names.yaml");
    let setters: Vec<&str> = g.api.security.iter().map(|s| s.setter.as_str()).collect();
    assert_eq!(setters, ["api_key", "api_key_cookie", "api_key_partner", "timeout_key"]);
    assert!(g.warnings.is_empty(), "{:?}", warnings(&g));
}
