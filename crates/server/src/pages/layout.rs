//! The page shell: header, navigation, styles (readable, high contrast,
//! printable) and the little JavaScript that enhances pages that work
//! without it (upload progress, live refresh).

use crate::auth::{Role, Session};
use maud::{DOCTYPE, Markup, PreEscaped, html};

const STYLE: &str = r#"
:root { --fg:#111; --bg:#fff; --accent:#0b4f9c; --muted:#555; --ok:#0a6b2d; --warn:#8a4b00; --bad:#a4161a; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header { background: #0b2545; color: #fff; padding: .5rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header a { color: #fff; }
header .who { margin-left: auto; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #f2b705; outline-offset: 2px; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #999; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #e8eef5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
fieldset { border: 1px solid #999; margin: .5rem 0; padding: .5rem 1rem; }
label { display: inline-block; margin: .15rem .75rem .15rem 0; }
input[type=text], input[type=number], input:not([type]), textarea, select { font: inherit; padding: .3rem; border: 1px solid #666; }
button { font: inherit; padding: .4rem 1rem; background: var(--accent); color: #fff; border: 0; cursor: pointer; }
button.secondary { background: #555; }
.ok { color: var(--ok); font-weight: 600; } .warn { color: var(--warn); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.note { color: var(--muted); }
.card { border: 1px solid #bbb; padding: .75rem 1rem; margin: .75rem 0; }
.code { font-family: ui-monospace, monospace; word-break: break-all; }
pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; }
.rumor { border-left: 6px solid var(--bad); padding-left: 1rem; }
.reality { border-left: 6px solid var(--ok); padding-left: 1rem; }
.evidence { border-left: 6px solid var(--accent); padding-left: 1rem; }
progress { width: 20rem; }
@media print { header, nav, form, .noprint { display: none !important; } main { max-width: none; } a { color: #000; text-decoration: none; } }
"#;

const SCRIPT: &str = r#"
(function(){
  // Upload progress: forms with data-progress send by XHR and show a bar.
  document.querySelectorAll('form[data-progress]').forEach(function(f){
    f.addEventListener('submit', function(ev){
      if (!window.XMLHttpRequest || !window.FormData) return;
      ev.preventDefault();
      var bar = f.querySelector('progress'); var out = f.querySelector('output');
      if (bar) bar.hidden = false;
      var x = new XMLHttpRequest();
      x.open('POST', f.action);
      x.upload.onprogress = function(e){ if (e.lengthComputable && bar) { bar.max = e.total; bar.value = e.loaded; if (out) out.textContent = Math.round(100*e.loaded/e.total) + '% sent'; } };
      x.upload.onload = function(){ if (out) out.textContent = 'Sent; the server is reading the file...'; };
      x.onload = function(){ document.open(); document.write(x.responseText); document.close(); if (x.responseURL) history.replaceState(null, '', x.responseURL); };
      x.onerror = function(){ if (out) out.textContent = 'The upload failed; try again.'; };
      x.send(new FormData(f));
    });
  });
  // Live pages: refresh the main region every few seconds.
  var live = document.querySelector('[data-live]');
  if (live && window.fetch && window.DOMParser) {
    setInterval(function(){
      fetch(location.href, {credentials: 'same-origin'}).then(function(r){ return r.text(); }).then(function(t){
        var d = new DOMParser().parseFromString(t, 'text/html');
        var n = d.querySelector('[data-live]'); if (n) live.innerHTML = n.innerHTML;
      }).catch(function(){});
    }, 4000);
  }
})();
"#;

/// A full page.
pub fn page(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — canvass" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { a href="/" { "canvass" } }
                    nav aria-label="Main" {
                        a href="/" { "Elections" } " · "
                        a href="/rumors" { "Rumor Control" }
                        @if let Some(s) = session {
                            @match &s.role {
                                Role::Admin => { " · " a href="/admin" { "Administration" } }
                                Role::Board { .. } => { " · " a href="/board" { "My ballots" } }
                                Role::Observer { election, .. } => { " · " a href={ "/e/" (election.0) "/observe" } { "Observer view" } }
                                Role::Anonymous => {}
                            }
                        }
                    }
                    @if let Some(s) = session {
                        @if s.role != Role::Anonymous {
                            span.who {
                                (s.actor()) " "
                                form method="post" action="/signout" style="display:inline" {
                                    input type="hidden" name="csrf" value=(s.csrf);
                                    button.secondary type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
                main id="main" { h1 { (title) } (body) }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// The hidden CSRF field of a form.
pub fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// An error page (no session details, no internals).
pub fn error_page(title: &str, text: &str) -> Markup {
    page(
        title,
        None,
        html! { p { (text) } p { a href="/" { "Back to the start page" } } },
    )
}
