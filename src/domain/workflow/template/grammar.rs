//! What a placeholder may say: paths, literals and a fixed list of filters, nothing
//! else. Operators, calls, comparisons and list or map literals are refused, because
//! minijinja's fuel does not bound them all: `77777777 * [5]` is one instruction that
//! makes a lazy list of 77 million items, and comparing two of them runs for seconds.

use minijinja::machinery::ast::{CallArg, Expr, Stmt, UnaryOpKind};
use minijinja::machinery::parse;
use minijinja::syntax::SyntaxConfig;

/// The filters a placeholder may use (each bounded by minijinja's fuel).
pub const FILTERS: [&str; 20] = [
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "float",
    "int",
    "join",
    "last",
    "length",
    "lower",
    "replace",
    "reverse",
    "round",
    "split",
    "string",
    "title",
    "trim",
    "upper",
];

/// Checks that `source` holds only text and placeholders made of paths (`data.a.b`,
/// `data["k"]`, `steps[0]`), literals and [`FILTERS`]. The error names what was found.
pub fn check(source: &str) -> Result<(), String> {
    let ast = parse(source, "template", SyntaxConfig::default()).map_err(|e| {
        let detail = e.detail().map_or_else(|| e.kind().to_string(), str::to_string);
        format!("does not parse: {detail}")
    })?;
    let Stmt::Template(template) = ast else { return Err(refused("a block")) };
    for child in &template.children {
        match child {
            Stmt::EmitRaw(_) => {}
            Stmt::EmitExpr(emit) => expr(&emit.expr)?,
            _ => return Err(refused("a block")),
        }
    }
    Ok(())
}

fn expr(e: &Expr<'_>) -> Result<(), String> {
    match e {
        Expr::Var(_) | Expr::Const(_) => Ok(()),
        Expr::GetAttr(get) => expr(&get.expr),
        Expr::GetItem(get) => expr(&get.expr).and_then(|()| expr(&get.subscript_expr)),
        Expr::Filter(filter) => {
            if !FILTERS.contains(&filter.name) {
                return Err(format!("uses the filter `{}`; placeholders may use {}", filter.name, FILTERS.join(", ")));
            }
            if let Some(input) = &filter.expr {
                expr(input)?;
            }
            filter.args.iter().try_for_each(|arg| match arg {
                CallArg::Pos(e) | CallArg::Kwarg(_, e) => expr(e),
                CallArg::PosSplat(_) | CallArg::KwargSplat(_) => Err(refused("a `*` argument")),
            })
        }
        Expr::UnaryOp(op) if matches!(op.op, UnaryOpKind::Neg) && matches!(op.expr, Expr::Const(_)) => Ok(()),
        Expr::BinOp(_) | Expr::UnaryOp(_) => Err(refused("an operator")),
        Expr::Compare(_) | Expr::Test(_) | Expr::IfExpr(_) => Err(refused("a comparison or condition")),
        Expr::Call(_) => Err(refused("a function call")),
        Expr::Slice(_) => Err(refused("a slice")),
        Expr::List(_) | Expr::Tuple(_) | Expr::Map(_) => Err(refused("a list or map")),
    }
}

fn refused(what: &str) -> String {
    format!("uses {what}; placeholders may hold paths, literals and filters only (`{{{{ data.name | upper }}}}`)")
}
