//! GraphQL request handling on top of `graphql-parser`: operation selection, validation against
//! the schema (with Shopify/graphql-ruby error codes), variable coercion, query cost, and
//! projection of full resource objects onto the request's selection sets.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use graphql_parser::Pos;
use graphql_parser::query as q;
use serde_json::{Map, Value, json};

use super::model::{QUANTITY_NAMES, State, parse_gid};
use super::schema::{FieldDef, Kind, Schema, TypeRef};

pub(crate) type Doc<'a> = q::Document<'a, String>;
pub(crate) type Field<'a> = q::Field<'a, String>;
pub(crate) type SelectionSet<'a> = q::SelectionSet<'a, String>;
type FragmentDef<'a> = q::FragmentDefinition<'a, String>;
type AstValue<'a> = q::Value<'a, String>;

/// Connection page sizes above this are rejected.
pub(crate) const MAX_PAGE: i64 = 250;

#[derive(Debug, Clone)]
pub(crate) struct GqlError {
    pub(crate) message: String,
    pub(crate) locations: Vec<Pos>,
    pub(crate) path: Option<Vec<Value>>,
    pub(crate) extensions: Option<Value>,
}

impl GqlError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            locations: Vec::new(),
            path: None,
            extensions: None,
        }
    }

    pub(crate) fn at(mut self, pos: Pos) -> Self {
        self.locations.push(pos);
        self
    }

    pub(crate) fn code(mut self, code: &str) -> Self {
        let mut ext = self.extensions.take().unwrap_or_else(|| json!({}));
        ext["code"] = json!(code);
        self.extensions = Some(ext);
        self
    }

    pub(crate) fn ext(mut self, key: &str, value: Value) -> Self {
        let mut ext = self.extensions.take().unwrap_or_else(|| json!({}));
        ext[key] = value;
        self.extensions = Some(ext);
        self
    }

    pub(crate) fn path(mut self, path: Vec<Value>) -> Self {
        self.path = Some(path);
        self
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut v = json!({"message": self.message});
        if !self.locations.is_empty() {
            v["locations"] = json!(
                self.locations
                    .iter()
                    .map(|p| json!({"line": p.line, "column": p.column}))
                    .collect::<Vec<_>>()
            );
        }
        if let Some(p) = &self.path {
            v["path"] = json!(p);
        }
        if let Some(e) = &self.extensions {
            v["extensions"] = e.clone();
        }
        v
    }
}

/// Turns a graphql-parser error into Shopify's parse error shape.
pub(crate) fn parse_error(err: &graphql_parser::query::ParseError) -> GqlError {
    let text = err.to_string();
    let text = text.trim_start_matches("query parse error: ");
    let mut lines = text.lines();
    let head = lines.next().unwrap_or("");
    let details: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
    let pos = head.rsplit("at ").next().and_then(|p| {
        let (l, c) = p.trim().split_once(':')?;
        Some(Pos {
            line: l.parse().ok()?,
            column: c.parse().ok()?,
        })
    });
    let mut message = match pos {
        Some(p) => format!("Parse error at [{}, {}]", p.line, p.column),
        None => "Parse error".to_string(),
    };
    if !details.is_empty() {
        message = format!("{message}: {}", details.join("; "));
    }
    let mut e = GqlError::new(message);
    if let Some(p) = pos {
        e = e.at(p);
    }
    e
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    Query,
    Mutation,
}

pub(crate) struct Prepared<'a> {
    pub(crate) kind: OpKind,
    pub(crate) name: Option<String>,
    pub(crate) selection: &'a SelectionSet<'a>,
    pub(crate) fragments: HashMap<String, &'a FragmentDef<'a>>,
    pub(crate) vars: Map<String, Value>,
}

impl Prepared<'_> {
    pub(crate) fn root_type(&self) -> &'static str {
        match self.kind {
            OpKind::Query => "QueryRoot",
            OpKind::Mutation => "Mutation",
        }
    }

    /// Root field names, for the call log.
    pub(crate) fn root_fields(&self) -> Vec<String> {
        self.selection
            .items
            .iter()
            .filter_map(|s| match s {
                q::Selection::Field(f) => Some(f.name.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Picks the operation, validates the document and coerces variables.
pub(crate) fn prepare<'a>(
    schema: &Schema,
    doc: &'a Doc<'a>,
    operation_name: Option<&str>,
    variables: &Map<String, Value>,
) -> Result<Prepared<'a>, Vec<GqlError>> {
    let mut fragments: HashMap<String, &'a FragmentDef<'a>> = HashMap::new();
    let mut errors = Vec::new();
    let mut ops = Vec::new();
    for def in &doc.definitions {
        match def {
            q::Definition::Fragment(f) => {
                if fragments.insert(f.name.clone(), f).is_some() {
                    errors.push(
                        GqlError::new(format!("Fragment name \"{}\" must be unique", f.name))
                            .at(f.position)
                            .code("fragmentNamesUnique")
                            .ext("fragmentName", json!(f.name)),
                    );
                }
            }
            q::Definition::Operation(op) => ops.push(op),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let name_of = |op: &q::OperationDefinition<'a, String>| -> Option<String> {
        match op {
            q::OperationDefinition::SelectionSet(_) => None,
            q::OperationDefinition::Query(x) => x.name.clone(),
            q::OperationDefinition::Mutation(x) => x.name.clone(),
            q::OperationDefinition::Subscription(x) => x.name.clone(),
        }
    };
    let op = match operation_name {
        Some(wanted) => ops
            .iter()
            .find(|op| name_of(op).as_deref() == Some(wanted))
            .copied()
            .ok_or_else(|| vec![GqlError::new(format!("No operation named \"{wanted}\""))])?,
        None => match ops.as_slice() {
            [one] => *one,
            [] => return Err(vec![GqlError::new("No operations in query document")]),
            _ => {
                return Err(vec![GqlError::new(
                    "An operation name is required when the document contains several operations",
                )]);
            }
        },
    };

    let (kind, name, var_defs, selection, pos) = match op {
        q::OperationDefinition::SelectionSet(s) => (OpKind::Query, None, &[][..], s, s.span.0),
        q::OperationDefinition::Query(x) => (
            OpKind::Query,
            x.name.clone(),
            &x.variable_definitions[..],
            &x.selection_set,
            x.position,
        ),
        q::OperationDefinition::Mutation(x) => (
            OpKind::Mutation,
            x.name.clone(),
            &x.variable_definitions[..],
            &x.selection_set,
            x.position,
        ),
        q::OperationDefinition::Subscription(x) => {
            return Err(vec![
                GqlError::new("Subscriptions are not supported by the Admin API").at(x.position),
            ]);
        }
    };

    let mut v = Validator {
        schema,
        fragments: &fragments,
        var_defs: HashMap::new(),
        used_vars: HashSet::new(),
        used_fragments: HashSet::new(),
        errors: Vec::new(),
        op_label: name.clone().unwrap_or_else(|| "anonymous".to_string()),
        op_kind: kind,
    };
    for vd in var_defs {
        let ty = type_ref(&vd.var_type);
        match schema.get(ty.named()) {
            Some(t) if matches!(t.kind, Kind::Scalar | Kind::Enum | Kind::Input) => {}
            Some(_) => v.errors.push(
                GqlError::new(format!("{} isn't a valid input type (on ${})", ty, vd.name))
                    .at(vd.position)
                    .code("variableRequiresValidType"),
            ),
            None => v.errors.push(
                GqlError::new(format!(
                    "{} isn't a defined input type (on ${})",
                    ty.named(),
                    vd.name
                ))
                .at(vd.position)
                .code("variableRequiresValidType")
                .ext("typeName", json!(ty.named())),
            ),
        }
        v.var_defs.insert(
            vd.name.clone(),
            (ty, vd.default_value.is_some(), vd.position),
        );
    }
    let root = match kind {
        OpKind::Query => "QueryRoot",
        OpKind::Mutation => "Mutation",
    };
    v.selection_set(selection, root, 0, &mut Vec::new());
    for (name, (_, _, p)) in &v.var_defs {
        if !v.used_vars.contains(name) {
            v.errors.push(
                GqlError::new(format!(
                    "Variable ${name} is declared by {} but not used",
                    v.op_label
                ))
                .at(*p)
                .code("variableNotUsed")
                .ext("variableName", json!(name)),
            );
        }
    }
    for (name, f) in &fragments {
        if !v.used_fragments.contains(name) {
            v.errors.push(
                GqlError::new(format!("Fragment {name} was defined, but not used"))
                    .at(f.position)
                    .code("useAndDefineFragment")
                    .ext("fragmentName", json!(name)),
            );
        }
    }
    if !v.errors.is_empty() {
        let _ = pos;
        return Err(v.errors);
    }

    // Coerce variables.
    let mut vars = Map::new();
    let mut errors = Vec::new();
    for vd in var_defs {
        let ty = type_ref(&vd.var_type);
        let provided = variables.get(&vd.name);
        let value = match (provided, &vd.default_value) {
            (None, Some(default)) => Some(literal_to_json(default, &Map::new())),
            (p, _) => p.cloned(),
        };
        match coerce(schema, &ty, value.as_ref(), &mut Vec::new()) {
            Ok(Some(c)) => {
                vars.insert(vd.name.clone(), c);
            }
            Ok(None) => {}
            Err((path, explanation)) => {
                let where_ = if path.is_empty() {
                    String::new()
                } else {
                    format!(
                        " for {}",
                        path.iter()
                            .map(|p| match p {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    )
                };
                errors.push(
                    GqlError::new(format!(
                        "Variable ${} of type {} was provided invalid value{where_} ({explanation})",
                        vd.name, ty
                    ))
                    .at(vd.position)
                    .code("INVALID_VARIABLE")
                    .ext("value", value.clone().unwrap_or(Value::Null))
                    .ext("problems", json!([{"path": path, "explanation": explanation}])),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Prepared {
        kind,
        name,
        selection,
        fragments,
        vars,
    })
}

pub(crate) fn type_ref(t: &q::Type<'_, String>) -> TypeRef {
    match t {
        q::Type::NamedType(n) => TypeRef::Named(n.clone()),
        q::Type::ListType(i) => TypeRef::List(Box::new(type_ref(i))),
        q::Type::NonNullType(i) => TypeRef::NonNull(Box::new(type_ref(i))),
    }
}

/// Converts an AST value to JSON, substituting (already coerced) variables. Absent variables
/// become null.
pub(crate) fn literal_to_json(v: &AstValue<'_>, vars: &Map<String, Value>) -> Value {
    match v {
        q::Value::Variable(name) => vars.get(name).cloned().unwrap_or(Value::Null),
        q::Value::Int(n) => json!(n.as_i64()),
        q::Value::Float(f) => json!(f),
        q::Value::String(s) => json!(s),
        q::Value::Boolean(b) => json!(b),
        q::Value::Null => Value::Null,
        q::Value::Enum(e) => json!(e),
        q::Value::List(l) => Value::Array(l.iter().map(|x| literal_to_json(x, vars)).collect()),
        q::Value::Object(o) => {
            let mut m = Map::new();
            for (k, x) in o {
                // A variable that was not provided leaves the input field absent.
                if let q::Value::Variable(name) = x
                    && !vars.contains_key(name)
                {
                    continue;
                }
                m.insert(k.clone(), literal_to_json(x, vars));
            }
            Value::Object(m)
        }
    }
}

type CoerceErr = (Vec<Value>, String);

/// Input coercion (GraphQL spec §3.10 / §6.1.2): validates `value` against `ty` and fills input
/// object defaults. `Ok(None)` = absent and allowed to be.
pub(crate) fn coerce(
    schema: &Schema,
    ty: &TypeRef,
    value: Option<&Value>,
    path: &mut Vec<Value>,
) -> Result<Option<Value>, CoerceErr> {
    match ty {
        TypeRef::NonNull(inner) => match value {
            None | Some(Value::Null) => {
                Err((path.clone(), "Expected value to not be null".to_string()))
            }
            Some(_) => coerce(schema, inner, value, path),
        },
        _ if value.is_none() => Ok(None),
        _ if value == Some(&Value::Null) => Ok(Some(Value::Null)),
        TypeRef::List(inner) => match value {
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(json!(i));
                    let c = coerce(schema, inner, Some(item), path)?;
                    path.pop();
                    out.push(c.unwrap_or(Value::Null));
                }
                Ok(Some(Value::Array(out)))
            }
            single => {
                let c = coerce(schema, inner, single, path)?;
                Ok(Some(Value::Array(vec![c.unwrap_or(Value::Null)])))
            }
        },
        TypeRef::Named(name) => {
            let v = value.unwrap_or(&Value::Null);
            let Some(def) = schema.get(name) else {
                return Err((path.clone(), format!("Unknown type {name}")));
            };
            let bad = || -> CoerceErr {
                (
                    path.clone(),
                    format!("Could not coerce value {v} to {name}"),
                )
            };
            match def.kind {
                Kind::Scalar => coerce_scalar(name, v).map(Some).ok_or_else(bad),
                Kind::Enum => match v {
                    Value::String(s) if def.enum_values.contains(s) => Ok(Some(v.clone())),
                    _ => Err((
                        path.clone(),
                        format!("Expected {v} to be one of: {}", def.enum_values.join(", ")),
                    )),
                },
                Kind::Input => {
                    let Value::Object(obj) = v else {
                        return Err((
                            path.clone(),
                            format!("Expected {v} to be a key-value object"),
                        ));
                    };
                    for key in obj.keys() {
                        if def.input_field(key).is_none() {
                            let mut p = path.clone();
                            p.push(json!(key));
                            return Err((p, format!("Field is not defined on {name}")));
                        }
                    }
                    let mut out = Map::new();
                    for f in &def.input_fields {
                        path.push(json!(f.name));
                        let provided = obj.get(&f.name);
                        let c = match (provided, &f.default) {
                            (None, Some(d)) => Some(d.clone()),
                            _ => coerce(schema, &f.ty, provided, path)?,
                        };
                        path.pop();
                        if let Some(c) = c {
                            out.insert(f.name.clone(), c);
                        }
                    }
                    Ok(Some(Value::Object(out)))
                }
                _ => Err(bad()),
            }
        }
    }
}

fn coerce_scalar(name: &str, v: &Value) -> Option<Value> {
    match name {
        "Int" => v
            .as_i64()
            .filter(|n| i32::try_from(*n).is_ok())
            .map(|n| json!(n)),
        "Float" => v.as_f64().map(|f| json!(f)),
        "String" | "HTML" | "FormattedString" => v.as_str().map(|s| json!(s)),
        "Boolean" => v.as_bool().map(|b| json!(b)),
        "ID" => match v {
            Value::String(s) => Some(json!(s)),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(json!(n.to_string())),
            _ => None,
        },
        "DateTime" => v
            .as_str()
            .filter(|s| crate::common::parse_iso8601(s).is_some())
            .map(|s| json!(s)),
        "Decimal" | "Money" => match v {
            Value::String(s) if s.trim().parse::<rust_decimal::Decimal>().is_ok() => {
                Some(json!(s.trim()))
            }
            Value::Number(n) => Some(json!(n.to_string())),
            _ => None,
        },
        "URL" => v
            .as_str()
            .filter(|s| reqwest::Url::parse(s).is_ok())
            .map(|s| json!(s)),
        "UnsignedInt64" => match v {
            Value::String(s) if s.parse::<u64>().is_ok() => Some(json!(s)),
            Value::Number(n) if n.is_u64() => Some(json!(n.to_string())),
            _ => None,
        },
        "JSON" => Some(v.clone()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

struct Validator<'s, 'a> {
    schema: &'s Schema,
    fragments: &'s HashMap<String, &'a FragmentDef<'a>>,
    /// name → (type, has default, position)
    var_defs: HashMap<String, (TypeRef, bool, Pos)>,
    used_vars: HashSet<String>,
    used_fragments: HashSet<String>,
    errors: Vec<GqlError>,
    op_label: String,
    op_kind: OpKind,
}

impl<'a> Validator<'_, 'a> {
    fn selection_set(
        &mut self,
        set: &SelectionSet<'a>,
        parent: &str,
        depth: usize,
        path: &mut Vec<String>,
    ) {
        if depth > 40 {
            self.errors
                .push(GqlError::new("Query has too many levels of nesting").code("MAX_DEPTH"));
            return;
        }
        for item in &set.items {
            match item {
                q::Selection::Field(f) => self.field(f, parent, depth, path),
                q::Selection::FragmentSpread(s) => {
                    self.directives(&s.directives, false);
                    self.used_fragments.insert(s.fragment_name.clone());
                    let Some(frag) = self.fragments.get(&s.fragment_name).copied() else {
                        self.errors.push(
                            GqlError::new(format!(
                                "Fragment {} was used, but not defined",
                                s.fragment_name
                            ))
                            .at(s.position)
                            .code("useAndDefineFragment")
                            .ext("fragmentName", json!(s.fragment_name)),
                        );
                        continue;
                    };
                    if path.iter().any(|p| p == &format!("...{}", s.fragment_name)) {
                        self.errors.push(
                            GqlError::new(format!(
                                "Fragment {} contains an infinite loop",
                                s.fragment_name
                            ))
                            .at(s.position)
                            .code("infiniteLoop"),
                        );
                        continue;
                    }
                    let q::TypeCondition::On(cond) = &frag.type_condition;
                    if self.condition(cond, parent, frag.position) {
                        path.push(format!("...{}", s.fragment_name));
                        self.selection_set(&frag.selection_set, cond, depth + 1, path);
                        path.pop();
                    }
                }
                q::Selection::InlineFragment(inl) => {
                    self.directives(&inl.directives, false);
                    let cond = match &inl.type_condition {
                        Some(q::TypeCondition::On(c)) => c.as_str(),
                        None => parent,
                    };
                    if self.condition(cond, parent, inl.position) {
                        path.push(format!("... on {cond}"));
                        self.selection_set(&inl.selection_set, cond, depth + 1, path);
                        path.pop();
                    }
                }
            }
        }
    }

    fn condition(&mut self, cond: &str, parent: &str, pos: Pos) -> bool {
        match self.schema.get(cond) {
            None => {
                self.errors.push(
                    GqlError::new(format!(
                        "No such type {cond}, so it can't be a fragment condition"
                    ))
                    .at(pos)
                    .code("undefinedType")
                    .ext("typeName", json!(cond)),
                );
                false
            }
            Some(t) if !t.is_composite() => {
                self.errors.push(
                    GqlError::new(format!(
                        "Invalid fragment on type {cond} (must be Union, Interface or Object)"
                    ))
                    .at(pos)
                    .code("fragmentOnNonCompositeType"),
                );
                false
            }
            Some(_) if !self.schema.overlaps(cond, parent) => {
                self.errors.push(
                    GqlError::new(format!(
                        "Fragment on {cond} can't be spread inside {parent}"
                    ))
                    .at(pos)
                    .code("cannotSpreadFragment")
                    .ext("typeName", json!(cond))
                    .ext("parentName", json!(parent)),
                );
                false
            }
            Some(_) => true,
        }
    }

    fn directives(&mut self, dirs: &[q::Directive<'a, String>], mutation_root: bool) {
        for d in dirs {
            let expected: &[(&str, &str)] = match d.name.as_str() {
                "include" | "skip" => &[("if", "Boolean!")],
                "idempotent" => &[("key", "String!")],
                other => {
                    self.errors.push(
                        GqlError::new(format!("Directive @{other} is not defined"))
                            .at(d.position)
                            .code("undefinedDirective")
                            .ext("directiveName", json!(other)),
                    );
                    continue;
                }
            };
            if d.name == "idempotent" && !mutation_root {
                self.errors.push(
                    GqlError::new("'@idempotent' can only be applied to mutation fields")
                        .at(d.position)
                        .code("directiveCannotBeApplied")
                        .ext("directiveName", json!("idempotent")),
                );
            }
            for (arg, _) in &d.arguments {
                if !expected.iter().any(|(n, _)| n == arg) {
                    self.errors.push(
                        GqlError::new(format!(
                            "Directive '@{}' doesn't accept argument '{arg}'",
                            d.name
                        ))
                        .at(d.position)
                        .code("argumentNotAccepted")
                        .ext("name", json!(d.name))
                        .ext("typeName", json!("Directive"))
                        .ext("argumentName", json!(arg)),
                    );
                }
            }
            for (name, ty) in expected {
                match d.arguments.iter().find(|(n, _)| n == name) {
                    None => self.errors.push(
                        GqlError::new(format!(
                            "Directive '@{}' is missing required arguments: {name}",
                            d.name
                        ))
                        .at(d.position)
                        .code("missingRequiredArguments")
                        .ext("className", json!("Directive"))
                        .ext("name", json!(d.name))
                        .ext("arguments", json!(name)),
                    ),
                    Some((_, value)) => {
                        let expected_ty = if *ty == "Boolean!" {
                            TypeRef::NonNull(Box::new(TypeRef::Named("Boolean".into())))
                        } else {
                            TypeRef::NonNull(Box::new(TypeRef::Named("String".into())))
                        };
                        self.value(value, &expected_ty, &d.name, name, "Directive", d.position);
                    }
                }
            }
        }
    }

    fn field(&mut self, f: &Field<'a>, parent: &str, depth: usize, path: &mut Vec<String>) {
        let mutation_root = self.op_kind == OpKind::Mutation && parent == "Mutation";
        self.directives(&f.directives, mutation_root);
        if f.name == "__typename" {
            if !f.selection_set.items.is_empty() {
                self.selection_mismatch_scalar(f, "String");
            }
            return;
        }
        let Some(parent_def) = self.schema.get(parent) else {
            return;
        };
        let Some(def) = parent_def.field(&f.name) else {
            let mut p: Vec<Value> = vec![json!(if self.op_kind == OpKind::Mutation {
                "mutation"
            } else {
                "query"
            })];
            p.extend(path.iter().map(|s| json!(s)));
            p.push(json!(f.name));
            self.errors.push(
                GqlError::new(format!(
                    "Field '{}' doesn't exist on type '{parent}'",
                    f.name
                ))
                .at(f.position)
                .path(p)
                .code("undefinedField")
                .ext("typeName", json!(parent))
                .ext("fieldName", json!(f.name)),
            );
            return;
        };
        // Arguments.
        for (name, value) in &f.arguments {
            match def.arg(name) {
                None => self.errors.push(
                    GqlError::new(format!(
                        "Field '{}' doesn't accept argument '{name}'",
                        f.name
                    ))
                    .at(f.position)
                    .code("argumentNotAccepted")
                    .ext("name", json!(f.name))
                    .ext("typeName", json!("Field"))
                    .ext("argumentName", json!(name)),
                ),
                Some(arg) => {
                    let ty = arg.ty.clone();
                    self.value(value, &ty, &f.name, name, "Field", f.position);
                }
            }
        }
        let missing: Vec<&str> = def
            .args
            .iter()
            .filter(|a| a.ty.is_non_null() && a.default.is_none())
            .filter(|a| !f.arguments.iter().any(|(n, _)| *n == a.name))
            .map(|a| a.name.as_str())
            .collect();
        if !missing.is_empty() {
            self.errors.push(
                GqlError::new(format!(
                    "Field '{}' is missing required arguments: {}",
                    f.name,
                    missing.join(", ")
                ))
                .at(f.position)
                .code("missingRequiredArguments")
                .ext("className", json!("Field"))
                .ext("name", json!(f.name))
                .ext("arguments", json!(missing.join(", "))),
            );
        }
        // Sub-selection.
        let named = def.ty.named().to_string();
        let Some(t) = self.schema.get(&named) else {
            return;
        };
        if t.is_leaf() {
            if !f.selection_set.items.is_empty() {
                self.selection_mismatch_scalar(f, &def.ty.to_string());
            }
        } else if f.selection_set.items.is_empty() {
            self.errors.push(
                GqlError::new(format!(
                    "Field must have selections (field '{}' returns {} but has no selections. Did you mean '{} {{ ... }}'?)",
                    f.name, def.ty, f.name
                ))
                .at(f.position)
                .code("selectionMismatch")
                .ext("nodeName", json!(format!("field '{}'", f.name)))
                .ext("typeName", json!(def.ty.to_string())),
            );
        } else {
            path.push(f.alias.clone().unwrap_or_else(|| f.name.clone()));
            self.selection_set(&f.selection_set, &named, depth + 1, path);
            path.pop();
        }
    }

    fn selection_mismatch_scalar(&mut self, f: &Field<'a>, ty: &str) {
        self.errors.push(
            GqlError::new(format!(
                "Selections can't be made on scalars (field '{}' returns {ty} but has selections [{}])",
                f.name,
                f.selection_set
                    .items
                    .iter()
                    .filter_map(|s| match s {
                        q::Selection::Field(x) => Some(x.name.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .at(f.position)
            .code("selectionMismatch")
            .ext("nodeName", json!(format!("field '{}'", f.name)))
            .ext("typeName", json!(ty)),
        );
    }

    /// Checks an argument value: variable compatibility, or literal coercibility.
    fn value(
        &mut self,
        value: &AstValue<'a>,
        expected: &TypeRef,
        owner: &str,
        arg: &str,
        class: &str,
        pos: Pos,
    ) {
        if let q::Value::Variable(name) = value {
            self.used_vars.insert(name.clone());
            let Some((vty, has_default, _)) = self.var_defs.get(name).cloned() else {
                self.errors.push(
                    GqlError::new(format!(
                        "Variable ${name} is used by {} but not declared",
                        self.op_label
                    ))
                    .at(pos)
                    .code("variableNotDefined")
                    .ext("variableName", json!(name)),
                );
                return;
            };
            let vty_eff = if has_default && !vty.is_non_null() {
                TypeRef::NonNull(Box::new(vty.clone()))
            } else {
                vty.clone()
            };
            if !compatible(&vty_eff, expected) {
                let same_shape = strip_nn(&vty) == strip_nn(expected);
                let (what, code) = if same_shape {
                    ("Nullability mismatch", "variableMismatch")
                } else {
                    ("Type mismatch", "variableMismatch")
                };
                self.errors.push(
                    GqlError::new(format!(
                        "{what} on variable ${name} and argument {arg} ({vty} / {expected})"
                    ))
                    .at(pos)
                    .code(code)
                    .ext("variableName", json!(name))
                    .ext("typeName", json!(vty.to_string()))
                    .ext("argumentName", json!(arg)),
                );
            }
            return;
        }
        let mut vars_inside = Vec::new();
        collect_vars(value, &mut vars_inside);
        if !vars_inside.is_empty() {
            // Nested variables: check declarations; the value is coerced at execution.
            for name in vars_inside {
                self.used_vars.insert(name.clone());
                if !self.var_defs.contains_key(&name) {
                    self.errors.push(
                        GqlError::new(format!(
                            "Variable ${name} is used by {} but not declared",
                            self.op_label
                        ))
                        .at(pos)
                        .code("variableNotDefined")
                        .ext("variableName", json!(name)),
                    );
                }
            }
            return;
        }
        let json_value = literal_to_json(value, &Map::new());
        let literal_ok = match (value, expected.nullable()) {
            // Enum-typed arguments take enum literals, not strings.
            (q::Value::String(_), TypeRef::Named(n))
                if self.schema.get(n).is_some_and(|t| t.kind == Kind::Enum) =>
            {
                false
            }
            _ => coerce(self.schema, expected, Some(&json_value), &mut Vec::new()).is_ok(),
        };
        if !literal_ok {
            self.errors.push(
                GqlError::new(format!(
                    "Argument '{arg}' on {class} '{owner}' has an invalid value ({value}). Expected type '{expected}'."
                ))
                .at(pos)
                .code("argumentLiteralsIncompatible")
                .ext("typeName", json!(class))
                .ext("argumentName", json!(arg)),
            );
        }
    }
}

fn strip_nn(t: &TypeRef) -> TypeRef {
    match t {
        TypeRef::NonNull(i) => strip_nn(i),
        TypeRef::List(i) => TypeRef::List(Box::new(strip_nn(i))),
        TypeRef::Named(n) => TypeRef::Named(n.clone()),
    }
}

/// Whether a variable of type `var` may be used where `loc` is expected.
fn compatible(var: &TypeRef, loc: &TypeRef) -> bool {
    match (var, loc) {
        (TypeRef::NonNull(v), TypeRef::NonNull(l)) => compatible(v, l),
        (TypeRef::NonNull(v), l) => compatible(v, l),
        (_, TypeRef::NonNull(_)) => false,
        (TypeRef::List(v), TypeRef::List(l)) => compatible(v, l),
        (TypeRef::Named(v), TypeRef::Named(l)) => v == l,
        _ => false,
    }
}

fn collect_vars(v: &AstValue<'_>, out: &mut Vec<String>) {
    match v {
        q::Value::Variable(n) => out.push(n.clone()),
        q::Value::List(l) => l.iter().for_each(|x| collect_vars(x, out)),
        q::Value::Object(o) => o.values().for_each(|x| collect_vars(x, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments and directives at execution

/// Coerced arguments of a field: provided values (variables substituted) plus defaults.
pub(crate) fn field_args(
    schema: &Schema,
    f: &Field<'_>,
    def: &FieldDef,
    vars: &Map<String, Value>,
) -> Result<Map<String, Value>, GqlError> {
    let mut out = Map::new();
    for a in &def.args {
        let provided = f
            .arguments
            .iter()
            .find(|(n, _)| *n == a.name)
            .and_then(|(_, v)| {
                if let q::Value::Variable(name) = v {
                    vars.get(name).cloned()
                } else {
                    Some(literal_to_json(v, vars))
                }
            });
        let value = match (provided, &a.default) {
            (None, Some(d)) => Some(d.clone()),
            (p, _) => p,
        };
        match coerce(schema, &a.ty, value.as_ref(), &mut Vec::new()) {
            Ok(Some(v)) => {
                out.insert(a.name.clone(), v);
            }
            Ok(None) => {}
            Err((path, explanation)) => {
                return Err(GqlError::new(format!(
                    "Argument '{}' on Field '{}' has an invalid value: {explanation}{}",
                    a.name,
                    f.name,
                    if path.is_empty() {
                        String::new()
                    } else {
                        format!(" at {}", Value::Array(path))
                    }
                ))
                .at(f.position)
                .code("argumentLiteralsIncompatible"));
            }
        }
    }
    Ok(out)
}

fn included(dirs: &[q::Directive<'_, String>], vars: &Map<String, Value>) -> bool {
    for d in dirs {
        let cond = d
            .arguments
            .iter()
            .find(|(n, _)| n == "if")
            .map(|(_, v)| literal_to_json(v, vars))
            .and_then(|v| v.as_bool());
        match (d.name.as_str(), cond) {
            ("skip", Some(true)) | ("include", Some(false)) => return false,
            _ => {}
        }
    }
    true
}

/// The `@idempotent(key:)` value on a field, if present.
pub(crate) fn idempotency_key(f: &Field<'_>, vars: &Map<String, Value>) -> Option<String> {
    f.directives
        .iter()
        .find(|d| d.name == "idempotent")
        .and_then(|d| d.arguments.iter().find(|(n, _)| n == "key"))
        .map(|(_, v)| literal_to_json(v, vars))
        .and_then(|v| v.as_str().map(str::to_string))
}

// ---------------------------------------------------------------------------------------------
// Cost

/// Requested cost: scalar/enum 0, object 1, connection `2 + n + n × (cost of a node's
/// selection)` with `n = first|last`; a mutation field costs 10.
pub(crate) fn requested_cost(schema: &Schema, p: &Prepared<'_>) -> u64 {
    let c = CostCalc {
        schema,
        fragments: &p.fragments,
        vars: &p.vars,
    };
    match p.kind {
        OpKind::Mutation => {
            10 * p
                .selection
                .items
                .iter()
                .filter(|s| matches!(s, q::Selection::Field(f) if f.name != "__typename"))
                .count() as u64
        }
        OpKind::Query => c.selection(&[p.selection], "QueryRoot"),
    }
}

struct CostCalc<'x, 'a> {
    schema: &'x Schema,
    fragments: &'x HashMap<String, &'a FragmentDef<'a>>,
    vars: &'x Map<String, Value>,
}

impl<'a> CostCalc<'_, 'a> {
    fn fields<'b>(
        &'b self,
        sets: &[&'b SelectionSet<'a>],
        out: &mut Vec<&'b Field<'a>>,
        depth: usize,
    ) {
        if depth > 50 {
            return;
        }
        for set in sets {
            for item in &set.items {
                match item {
                    q::Selection::Field(f) => out.push(f),
                    q::Selection::FragmentSpread(s) => {
                        if let Some(&frag) = self.fragments.get(&s.fragment_name) {
                            self.fields(&[&frag.selection_set], out, depth + 1);
                        }
                    }
                    q::Selection::InlineFragment(i) => {
                        self.fields(&[&i.selection_set], out, depth + 1)
                    }
                }
            }
        }
    }

    fn selection(&self, sets: &[&SelectionSet<'a>], parent: &str) -> u64 {
        let mut fields = Vec::new();
        self.fields(sets, &mut fields, 0);
        fields.iter().map(|f| self.field(f, parent)).sum()
    }

    /// Field definition on `parent`, or on any member of an interface/union.
    fn def(&self, parent: &str, name: &str) -> Option<&FieldDef> {
        let t = self.schema.get(parent)?;
        t.field(name).or_else(|| {
            t.members
                .iter()
                .find_map(|m| self.schema.get(m).and_then(|mt| mt.field(name)))
        })
    }

    fn field(&self, f: &Field<'a>, parent: &str) -> u64 {
        let Some(def) = self.def(parent, &f.name) else {
            return 0;
        };
        let named = def.ty.named();
        let Some(t) = self.schema.get(named) else {
            return 0;
        };
        if t.is_leaf() {
            return 0;
        }
        if t.is_connection() {
            let arg = |n: &str| -> Option<u64> {
                f.arguments
                    .iter()
                    .find(|(a, _)| a == n)
                    .map(|(_, v)| literal_to_json(v, self.vars))
                    .and_then(|v| v.as_u64())
            };
            let n = arg("first")
                .or_else(|| arg("last"))
                .unwrap_or(0)
                .min(MAX_PAGE as u64);
            // Cost of one node's selection (edges { node { .. } } and nodes { .. }).
            let node_type = t
                .field("nodes")
                .map(|d| d.ty.named().to_string())
                .unwrap_or_default();
            let mut inner = Vec::new();
            self.fields(&[&f.selection_set], &mut inner, 0);
            let mut node_sets: Vec<&SelectionSet<'a>> = Vec::new();
            for x in &inner {
                match x.name.as_str() {
                    "nodes" => node_sets.push(&x.selection_set),
                    "edges" => {
                        let mut edge_fields = Vec::new();
                        self.fields(&[&x.selection_set], &mut edge_fields, 0);
                        for e in edge_fields.into_iter().filter(|e| e.name == "node") {
                            node_sets.push(&e.selection_set);
                        }
                    }
                    _ => {}
                }
            }
            let per_node = self.selection(&node_sets, &node_type);
            return 2 + n + n * per_node;
        }
        1 + self.selection(&[&f.selection_set], named)
    }
}

// ---------------------------------------------------------------------------------------------
// Execution (projection)

pub(crate) struct Exec<'x, 'a> {
    pub(crate) schema: &'x Schema,
    pub(crate) state: &'x State,
    pub(crate) fragments: &'x HashMap<String, &'a FragmentDef<'a>>,
    pub(crate) vars: &'x Map<String, Value>,
    pub(crate) errors: Vec<GqlError>,
    pub(crate) cost: u64,
    /// Set when running a bulk query: connections become JSONL lines (see [`BulkLines`]).
    pub(crate) bulk: Option<BulkLines>,
}

/// A bulk query's output while it is projected: a connection's nodes are not nested in their
/// parent but become lines of their own, after the parent's line, with `__parentId`, and are
/// read whole (pagination arguments do not apply).
#[derive(Default)]
pub(crate) struct BulkLines {
    /// Lines of the nested connections' nodes under the node being projected, in file order.
    lines: Vec<Value>,
    /// The id of the connection node being projected (the `__parentId` of nested nodes).
    parent: Option<String>,
    /// Nodes projected so far (`objectCount`).
    pub(crate) objects: u64,
}

/// The fields of `sets` grouped for an object of type `runtime`; for an interface or a union,
/// for each of its members in turn (fragments on any member count).
pub(crate) fn group_fields<'b, 'a: 'b>(
    schema: &Schema,
    fragments: &HashMap<String, &'a FragmentDef<'a>>,
    vars: &Map<String, Value>,
    sets: &[&'b SelectionSet<'a>],
    runtime: &str,
) -> Vec<(String, Vec<&'b Field<'a>>)> {
    let mut out = Vec::new();
    match schema.get(runtime) {
        Some(t) if !t.members.is_empty() => {
            for member in &t.members {
                collect_fields(schema, fragments, vars, sets, member, &mut out, 0);
            }
        }
        _ => collect_fields(schema, fragments, vars, sets, runtime, &mut out, 0),
    }
    out
}

/// The node type and the node selection sets of a connection's `edges { node { … } }`, from
/// the grouped fields of the connection.
pub(crate) fn node_selection<'b, 'a: 'b>(
    schema: &Schema,
    fragments: &HashMap<String, &'a FragmentDef<'a>>,
    vars: &Map<String, Value>,
    connection_groups: &[(String, Vec<&'b Field<'a>>)],
    connection: &str,
) -> Option<(String, Vec<&'b SelectionSet<'a>>)> {
    let edge_type = schema
        .get(connection)?
        .field("edges")?
        .ty
        .named()
        .to_string();
    let node_type = schema
        .get(&edge_type)?
        .field("node")?
        .ty
        .named()
        .to_string();
    let edge_sets: Vec<&'b SelectionSet<'a>> = connection_groups
        .iter()
        .filter(|(_, g)| g[0].name == "edges")
        .flat_map(|(_, g)| g.iter().map(|f| &f.selection_set))
        .collect();
    let node_sets: Vec<&'b SelectionSet<'a>> =
        group_fields(schema, fragments, vars, &edge_sets, &edge_type)
            .into_iter()
            .filter(|(_, g)| g[0].name == "node")
            .flat_map(|(_, g)| g.into_iter().map(|f| &f.selection_set))
            .collect();
    Some((node_type, node_sets))
}

/// The hidden sort value resolvers attach to list items sorted by a time (`"__sort"`, zero-padded
/// milliseconds), so a cursor can resume after it the way Shopify's do.
pub(crate) const SORT_VALUE: &str = "__sort";

/// Shopify's cursors carry the last item's sort value and id (`{"last_id", "last_value"}`), so
/// the next page starts after that *value*: an item updated while a client pages through a list
/// sorted by update time moves to the end and is read there, never skipped.
fn cursor_for(item: &Value, index: usize) -> String {
    let id = item_id(item);
    let value = item
        .get(SORT_VALUE)
        .and_then(Value::as_str)
        .map(str::to_owned);
    let raw = match id {
        Some(n) => json!({"last_id": n, "last_value": value.unwrap_or_else(|| n.to_string())}),
        None => json!({"last_id": index, "last_value": index.to_string()}),
    };
    base64::engine::general_purpose::STANDARD.encode(raw.to_string())
}

fn item_id(item: &Value) -> Option<u64> {
    item.get("id")
        .or_else(|| item.get("__ref"))
        .and_then(Value::as_str)
        .and_then(parse_gid)
        .map(|(_, n)| n)
}

/// `(last_id, last_value)` of a cursor.
fn decode_cursor(c: &str) -> Option<(u64, String)> {
    let raw = base64::engine::general_purpose::STANDARD.decode(c).ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    let id = v.get("last_id")?.as_u64()?;
    let value = v
        .get("last_value")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some((id, value))
}

/// Collects the fields of `sets` that apply to an object of type `runtime` (fragments and
/// `@include`/`@skip` resolved), grouped by response key in request order.
pub(crate) fn collect_fields<'b, 'a: 'b>(
    schema: &Schema,
    fragments: &HashMap<String, &'a FragmentDef<'a>>,
    vars: &Map<String, Value>,
    sets: &[&'b SelectionSet<'a>],
    runtime: &str,
    out: &mut Vec<(String, Vec<&'b Field<'a>>)>,
    depth: usize,
) {
    if depth > 50 {
        return;
    }
    for set in sets {
        for item in &set.items {
            match item {
                q::Selection::Field(f) => {
                    if !included(&f.directives, vars) {
                        continue;
                    }
                    let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, group)) => group.push(f),
                        None => out.push((key, vec![f])),
                    }
                }
                q::Selection::FragmentSpread(s) => {
                    if !included(&s.directives, vars) {
                        continue;
                    }
                    if let Some(&frag) = fragments.get(&s.fragment_name) {
                        let q::TypeCondition::On(cond) = &frag.type_condition;
                        if schema.matches(runtime, cond) {
                            collect_fields(
                                schema,
                                fragments,
                                vars,
                                &[&frag.selection_set],
                                runtime,
                                out,
                                depth + 1,
                            );
                        }
                    }
                }
                q::Selection::InlineFragment(i) => {
                    if !included(&i.directives, vars) {
                        continue;
                    }
                    let ok = match &i.type_condition {
                        Some(q::TypeCondition::On(cond)) => schema.matches(runtime, cond),
                        None => true,
                    };
                    if ok {
                        collect_fields(
                            schema,
                            fragments,
                            vars,
                            &[&i.selection_set],
                            runtime,
                            out,
                            depth + 1,
                        );
                    }
                }
            }
        }
    }
}

impl<'a> Exec<'_, 'a> {
    /// A `{"__ref": gid}` as the full object it names (null if gone); other values as they are.
    pub(crate) fn resolve(&self, value: &Value) -> Value {
        match value.get("__ref").and_then(Value::as_str) {
            Some(gid) => self.state.node(gid).unwrap_or(Value::Null),
            None => value.clone(),
        }
    }

    /// Bulk mode: one connection node as its line (with `__parentId` = `parent`, if nested),
    /// followed by the lines of the nodes of its own nested connections.
    pub(crate) fn bulk_node(
        &mut self,
        obj: &Value,
        node_type: &str,
        sets: &[&SelectionSet<'a>],
        parent: Option<&str>,
    ) -> Vec<Value> {
        let own_id = obj.get("id").and_then(Value::as_str).map(str::to_owned);
        let (outer_lines, outer_parent) = match self.bulk.as_mut() {
            Some(bulk) => (
                std::mem::take(&mut bulk.lines),
                std::mem::replace(&mut bulk.parent, own_id),
            ),
            None => return Vec::new(),
        };
        let mut line = self.object(obj, node_type, sets, &mut Vec::new());
        let Some(bulk) = self.bulk.as_mut() else {
            return Vec::new();
        };
        let nested = std::mem::replace(&mut bulk.lines, outer_lines);
        bulk.parent = outer_parent;
        bulk.objects += 1;
        if let (Some(parent), Value::Object(fields)) = (parent, &mut line) {
            fields.insert("__parentId".to_owned(), json!(parent));
        }
        let mut out = Vec::with_capacity(1 + nested.len());
        out.push(line);
        out.extend(nested);
        out
    }

    /// Bulk mode: a nested connection's nodes, read whole, as lines under the node being
    /// projected (nothing is added to that node's own line).
    fn bulk_connection(
        &mut self,
        parent: &str,
        fdef: &FieldDef,
        raw: Value,
        args: &Map<String, Value>,
        fields: &[&Field<'a>],
    ) {
        let connection = fdef.ty.named();
        let mut items = self.connection_items(parent, fdef, raw, args);
        if args.get("reverse").and_then(Value::as_bool) == Some(true) {
            items.reverse();
        }
        let sets: Vec<&SelectionSet<'a>> = fields.iter().map(|f| &f.selection_set).collect();
        let (schema, fragments, vars) = (self.schema, self.fragments, self.vars);
        let groups = group_fields(schema, fragments, vars, &sets, connection);
        let Some((node_type, node_sets)) =
            node_selection(schema, fragments, vars, &groups, connection)
        else {
            return;
        };
        let parent_id = self.bulk.as_ref().and_then(|b| b.parent.clone());
        for item in &items {
            let obj = self.resolve(item);
            if obj.is_null() {
                continue;
            }
            let lines = self.bulk_node(&obj, &node_type, &node_sets, parent_id.as_deref());
            if let Some(bulk) = self.bulk.as_mut() {
                bulk.lines.extend(lines);
            }
        }
    }

    /// Projects `value` (of schema type `ty`) onto the merged selections of `fields`.
    pub(crate) fn project(
        &mut self,
        value: &Value,
        ty: &TypeRef,
        fields: &[&Field<'a>],
        path: &mut Vec<Value>,
    ) -> Value {
        match ty {
            TypeRef::NonNull(inner) => self.project(value, inner, fields, path),
            TypeRef::List(inner) => match value {
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        path.push(json!(i));
                        out.push(self.project(item, inner, fields, path));
                        path.pop();
                    }
                    Value::Array(out)
                }
                _ => Value::Null,
            },
            TypeRef::Named(name) => {
                let Some(def) = self.schema.get(name) else {
                    return Value::Null;
                };
                if def.is_leaf() {
                    return value.clone();
                }
                let resolved;
                let obj = match value.get("__ref").and_then(Value::as_str) {
                    Some(gid) => {
                        resolved = self.state.node(gid).unwrap_or(Value::Null);
                        &resolved
                    }
                    None => value,
                };
                if obj.is_null() {
                    return Value::Null;
                }
                let sets: Vec<&SelectionSet<'a>> =
                    fields.iter().map(|f| &f.selection_set).collect();
                self.object(obj, name, &sets, path)
            }
        }
    }

    fn object(
        &mut self,
        obj: &Value,
        static_type: &str,
        sets: &[&SelectionSet<'a>],
        path: &mut Vec<Value>,
    ) -> Value {
        let runtime = obj
            .get("__typename")
            .and_then(Value::as_str)
            .unwrap_or(static_type)
            .to_string();
        let mut groups = Vec::new();
        collect_fields(
            self.schema,
            self.fragments,
            self.vars,
            sets,
            &runtime,
            &mut groups,
            0,
        );
        let schema = self.schema;
        let Some(tdef) = schema.get(&runtime) else {
            return Value::Null;
        };
        let internal_parent = runtime.ends_with("Connection") || runtime.ends_with("Edge");
        let mut out = Map::new();
        for (key, group) in groups {
            let f0 = group[0];
            if f0.name == "__typename" {
                out.insert(key, json!(runtime));
                continue;
            }
            let Some(fdef) = tdef.field(&f0.name) else {
                out.insert(key, Value::Null);
                continue;
            };
            path.push(json!(key));
            let args = match field_args(schema, f0, fdef, self.vars) {
                Ok(a) => a,
                Err(e) => {
                    self.errors.push(e.path(path.clone()));
                    path.pop();
                    out.insert(key, Value::Null);
                    continue;
                }
            };
            let raw = match obj.get(&f0.name) {
                Some(v) => v.clone(),
                None => self
                    .state
                    .computed_field(&runtime, obj, &f0.name)
                    .unwrap_or(Value::Null),
            };
            if self.bulk.is_some()
                && schema
                    .get(fdef.ty.named())
                    .is_some_and(super::schema::TypeDef::is_connection)
            {
                self.bulk_connection(&runtime, fdef, raw, &args, &group);
                path.pop();
                continue;
            }
            let value = match self.post_process(&runtime, fdef, raw, &args, f0, path) {
                Ok(v) => v,
                Err(e) => {
                    self.errors.push(e);
                    path.pop();
                    out.insert(key, Value::Null);
                    continue;
                }
            };
            let named_def = schema.get(fdef.ty.named());
            if !internal_parent
                && !value.is_null()
                && named_def.is_some_and(|d| d.is_composite() && !d.is_connection())
            {
                self.cost += 1;
            }
            let projected = self.project(&value, &fdef.ty, &group, path);
            path.pop();
            out.insert(key, projected);
        }
        Value::Object(out)
    }

    /// Applies field arguments to a raw field value: pagination of connections, `first` on
    /// plain lists, and the few computed fields that take arguments.
    pub(crate) fn post_process(
        &mut self,
        parent: &str,
        fdef: &FieldDef,
        raw: Value,
        args: &Map<String, Value>,
        f: &Field<'a>,
        path: &[Value],
    ) -> Result<Value, GqlError> {
        let schema = self.schema;
        let named = fdef.ty.named();
        if schema
            .get(named)
            .is_some_and(super::schema::TypeDef::is_connection)
        {
            let items = self.connection_items(parent, fdef, raw, args);
            return self.paginate(named, items, args, f, path);
        }
        match (parent, fdef.name.as_str()) {
            ("InventoryLevel", "quantities") => {
                let names: Vec<String> = args
                    .get("names")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(bad) = names.iter().find(|n| !QUANTITY_NAMES.contains(&n.as_str())) {
                    return Err(GqlError::new(format!(
                        "The quantity name '{bad}' is not valid. Valid names are: {}.",
                        QUANTITY_NAMES.join(", ")
                    ))
                    .at(f.position)
                    .path(path.to_vec()));
                }
                let all = raw.as_array().cloned().unwrap_or_default();
                Ok(Value::Array(
                    names
                        .iter()
                        .filter_map(|n| all.iter().find(|q| q["name"] == json!(n)).cloned())
                        .collect(),
                ))
            }
            ("InventoryItem", "inventoryLevel") | ("Location", "inventoryLevel") => Ok(Value::Null),
            // One metafield by namespace and key; without a namespace Shopify reads the app's
            // own reserved namespace, where this simulator keeps nothing.
            ("Product", "metafield") => {
                let namespace = args.get("namespace").and_then(Value::as_str);
                let key = args.get("key").and_then(Value::as_str);
                Ok(raw
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|m| {
                        namespace.is_some_and(|n| m["namespace"] == n)
                            && key.is_some_and(|k| m["key"] == k)
                    })
                    .cloned()
                    .unwrap_or(Value::Null))
            }
            ("Product", "description") => {
                let text = raw.as_str().unwrap_or("").to_string();
                match args.get("truncateAt").and_then(Value::as_u64) {
                    Some(n) => {
                        let n = usize::try_from(n).unwrap_or(usize::MAX);
                        Ok(json!(if text.chars().count() > n {
                            format!(
                                "{}...",
                                text.chars().take(n.saturating_sub(3)).collect::<String>()
                            )
                        } else {
                            text
                        }))
                    }
                    None => Ok(json!(text)),
                }
            }
            _ => match (raw, args.get("first").and_then(Value::as_u64)) {
                (Value::Array(items), Some(first)) => Ok(Value::Array(
                    items
                        .into_iter()
                        .take(usize::try_from(first).unwrap_or(usize::MAX))
                        .collect(),
                )),
                (raw, _) => Ok(raw),
            },
        }
    }

    /// The items of a connection field before pagination.
    fn connection_items(
        &self,
        parent: &str,
        fdef: &FieldDef,
        raw: Value,
        args: &Map<String, Value>,
    ) -> Vec<Value> {
        let mut items = match raw {
            Value::Array(a) => a,
            _ => Vec::new(),
        };
        // `namespace` narrows a product's metafields, `keys` names them as "namespace.key".
        if (parent, fdef.name.as_str()) == ("Product", "metafields") {
            let namespace = args.get("namespace").and_then(Value::as_str);
            let keys: Option<Vec<&str>> = args
                .get("keys")
                .and_then(Value::as_array)
                .map(|keys| keys.iter().filter_map(Value::as_str).collect());
            items.retain(|m| {
                let (ns, key) = (
                    m["namespace"].as_str().unwrap_or_default(),
                    m["key"].as_str().unwrap_or_default(),
                );
                namespace.is_none_or(|n| n == ns)
                    && keys
                        .as_ref()
                        .is_none_or(|keys| keys.contains(&format!("{ns}.{key}").as_str()))
            });
        }
        // Closed fulfilment orders are listed only with `includeClosed: true`.
        if (parent, fdef.name.as_str()) == ("Order", "fulfillmentOrders")
            && args.get("includeClosed").and_then(Value::as_bool) != Some(true)
        {
            items.retain(|it| {
                let id = it
                    .get("__ref")
                    .or_else(|| it.get("id"))
                    .and_then(Value::as_str)
                    .and_then(super::model::parse_gid)
                    .map(|(_, n)| n);
                id.and_then(|n| self.state.fulfillment_orders.get(&n))
                    .is_none_or(|fo| fo.status != "CLOSED")
            });
        }
        items
    }

    /// Relay pagination over a full list; returns a connection object.
    pub(crate) fn paginate(
        &mut self,
        connection: &str,
        mut items: Vec<Value>,
        args: &Map<String, Value>,
        f: &Field<'a>,
        path: &[Value],
    ) -> Result<Value, GqlError> {
        let err = |msg: String| GqlError::new(msg).at(f.position).path(path.to_vec());
        let first = args.get("first").and_then(Value::as_i64);
        let last = args.get("last").and_then(Value::as_i64);
        if first.is_none() && last.is_none() {
            return Err(err("you must provide one of first or last".to_string()));
        }
        for (name, n) in [("first", first), ("last", last)] {
            if let Some(n) = n {
                if n < 0 {
                    return Err(err(format!("{name} must be a non-negative integer")));
                }
                if n > MAX_PAGE {
                    return Err(err(format!(
                        "The {name} argument of field '{}' must be at most {MAX_PAGE}, got {n}.",
                        f.name
                    ))
                    .code("BAD_REQUEST"));
                }
            }
        }
        if args.get("reverse").and_then(Value::as_bool) == Some(true) {
            items.reverse();
        }
        // The id a cursor names, per position (its index where the item has no id); cursors
        // themselves are built for the page only.
        let cursor_id = |i: usize, it: &Value| {
            item_id(it).unwrap_or_else(|| u64::try_from(i).unwrap_or(u64::MAX))
        };
        let by_value = !items.is_empty() && items.iter().all(|it| it.get(SORT_VALUE).is_some());
        let key_of = |it: &Value| {
            (
                it.get(SORT_VALUE)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                item_id(it).unwrap_or(0),
            )
        };
        // Index of the first item after (`after`) or at-or-after (`before`) the cursor.
        let boundary = |c: &str, inclusive: bool| -> Result<usize, GqlError> {
            let (id, value) =
                decode_cursor(c).ok_or_else(|| err(format!("Invalid cursor '{c}'.")))?;
            if by_value {
                let wanted = (value, id);
                return Ok(items
                    .iter()
                    .position(|it| {
                        let key = key_of(it);
                        if inclusive {
                            key >= wanted
                        } else {
                            key > wanted
                        }
                    })
                    .unwrap_or(items.len()));
            }
            items
                .iter()
                .enumerate()
                .position(|(i, it)| cursor_id(i, it) == id)
                .map(|at| if inclusive { at } else { at + 1 })
                .ok_or_else(|| err(format!("Cursor '{c}' does not belong to this list.")))
        };
        let mut start = 0usize;
        let mut end = items.len();
        if let Some(after) = args.get("after").and_then(Value::as_str) {
            start = boundary(after, false)?;
        }
        if let Some(before) = args.get("before").and_then(Value::as_str) {
            end = boundary(before, true)?.min(end);
        }
        let mut from = start.min(end);
        let mut to = end;
        if let Some(n) = first {
            to = to.min(from + usize::try_from(n).unwrap_or(0));
        }
        if let Some(n) = last {
            from = from.max(to.saturating_sub(usize::try_from(n).unwrap_or(0)));
        }
        let page: Vec<Value> = items[from..to].to_vec();
        self.cost += 2 + page.len() as u64;
        let ids: Vec<String> = page
            .iter()
            .enumerate()
            .map(|(i, it)| cursor_for(it, from + i))
            .collect();
        let edge_type = connection.replace("Connection", "Edge");
        let edges: Vec<Value> = page
            .iter()
            .zip(&ids)
            .map(|(node, cursor)| json!({"__typename": edge_type, "cursor": cursor, "node": node}))
            .collect();
        Ok(json!({
            "__typename": connection,
            "edges": edges,
            "nodes": page,
            "pageInfo": {
                "__typename": "PageInfo",
                "hasNextPage": to < end,
                "hasPreviousPage": from > start,
                "startCursor": ids.first(),
                "endCursor": ids.last(),
            },
        }))
    }
}
