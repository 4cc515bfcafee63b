//! `#[signature]`, put above `#[tauri::command]`: leaves the command as it is and adds
//! `NAME::signature()` (a module beside the function, in the other namespace), which gives the command's TypeScript signature: its arguments by the
//! names the UI passes them (camelCase, as Tauri expects), without the ones Tauri supplies
//! (`State`, `AppHandle`), each typed through ts-rs (`Channel<T>` as Tauri's channel), and its
//! result (`Result<T, _>`'s `T`). `hearth-app`'s TypeScript generation collects them into the
//! `Commands` interface that `backend.ts` and the UI's test backend are checked against.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, FnArg, GenericArgument, ItemFn, Pat, PathArguments, ReturnType, Type};

/// The last path segment of a type (`tauri::State<'_, Core>` → `State`), with its generics.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

/// The first type argument of `Outer<T, …>`.
fn first_type_arg(segment: &syn::PathSegment) -> Option<&Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn camel_case(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// An expression giving the TypeScript type of `ty` as a `String`.
fn ts_type(ty: &Type) -> proc_macro2::TokenStream {
    if let Type::Tuple(t) = ty {
        if t.elems.is_empty() {
            return quote! { ::std::string::String::from("void") };
        }
    }
    if let Some(seg) = last_segment(ty) {
        if seg.ident == "Channel" {
            if let Some(inner) = first_type_arg(seg) {
                let inner = ts_type(inner);
                return quote! { ::std::format!("Channel<{}>", #inner) };
            }
        }
    }
    quote! { crate::typescript::ts_name::<#ty>() }
}

#[proc_macro_attribute]
pub fn signature(_attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = parse_macro_input!(item as ItemFn);
    let name = &function.sig.ident;
    let name_text = name.to_string();
    let mut args = Vec::new();
    for input in &function.sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        if last_segment(&arg.ty).is_some_and(|s| s.ident == "State" || s.ident == "AppHandle") {
            continue;
        }
        let Pat::Ident(ident) = arg.pat.as_ref() else {
            return syn::Error::new_spanned(&arg.pat, "a command's arguments are plain names").to_compile_error().into();
        };
        let arg_name = camel_case(&ident.ident.to_string());
        let ty = ts_type(&arg.ty);
        args.push(quote! { (#arg_name, #ty) });
    }
    let result = match &function.sig.output {
        ReturnType::Default => quote! { ::std::string::String::from("void") },
        ReturnType::Type(_, ty) => match last_segment(ty) {
            Some(seg) if seg.ident == "Result" => match first_type_arg(seg) {
                Some(ok) => ts_type(ok),
                None => return syn::Error::new_spanned(ty, "Result needs its success type").to_compile_error().into(),
            },
            _ => ts_type(ty),
        },
    };
    quote! {
        #function

        #[doc(hidden)]
        pub mod #name {
            #[allow(unused_imports)]
            use super::*;
            pub fn signature() -> crate::typescript::CommandSignature {
                crate::typescript::CommandSignature { name: #name_text, args: ::std::vec![#(#args),*], result: #result }
            }
        }
    }
    .into()
}
