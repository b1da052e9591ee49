//! The dashboard over HTTP against the real server, on the backend `LK_TEST_BACKEND` names:
//! sign-in and its cookie, CSRF tokens, READ-ONLY keys refused on every change, keys never
//! in a response or the log, revoked keys ending their sessions, and changes made through
//! the dashboard seen by the Web API and in the audit trail.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{BIN, Server};
use serde_json::{Value, json};

/// A browser's view of the dashboard: one session cookie, no redirects followed.
struct Browser<'a> {
    server: &'a Server,
    agent: ureq::Agent,
    cookie: String,
}

/// What a request answered.
struct Answer {
    status: u16,
    location: String,
    set_cookie: String,
    body: String,
    headers: String,
}

impl<'a> Browser<'a> {
    fn new(server: &'a Server) -> Browser<'a> {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Browser { server, agent, cookie: String::new() }
    }

    fn answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
        let header = |name: &str| {
            response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
        };
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        let headers = format!("{:?}", response.headers());
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Answer { status, location, set_cookie, body, headers }
    }

    fn get(&self, path: &str) -> Answer {
        let mut request = self.agent.get(format!("{}{path}", self.server.base));
        if !self.cookie.is_empty() {
            request = request.header("Cookie", &self.cookie);
        }
        Browser::answer(request.call().unwrap())
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        let mut request = self.agent.post(format!("{}{path}", self.server.base));
        if !self.cookie.is_empty() {
            request = request.header("Cookie", &self.cookie);
        }
        Browser::answer(request.send_form(form.iter().copied()).unwrap())
    }

    /// Signs in with the key of `kind`; the answer, the cookie kept.
    fn sign_in(&mut self, kind: &str) -> Answer {
        let key = self.server.keys[kind].as_str().unwrap().to_owned();
        let answer = self.post("/dashboard/sign-in", &[("apikey", &key)]);
        if let Some(value) = answer.set_cookie.split(';').next().filter(|v| v.contains('=')) {
            self.cookie = value.to_owned();
        }
        answer
    }

    /// The form token of the session (every page's sign-out form has it).
    fn token(&self) -> String {
        let page = self.get("/dashboard/products").body;
        let at = page.find("name=\"_csrf\" value=\"").expect("a form token") + 20;
        page[at..at + 32].to_owned()
    }

    /// Runs a change as a dashboard form does.
    fn run(&self, controller: &str, method: &str, fields: &[(&str, &str)]) -> Answer {
        let token = self.token();
        let mut form = vec![("_csrf", token.as_str()), ("_method", method), ("_next", "/dashboard/codes")];
        form.extend_from_slice(fields);
        self.post(&format!("/dashboard/run/{controller}"), &form)
    }
}

/// An HTML attribute's value in `tag` (the pages quote every attribute with `"`), unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let value = &tag[at..at + tag[at..].find('"')?];
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// What the form whose button reads `button` would post as rendered (its inputs' values, each
/// choice's selected option or else its first), `changed` replacing or adding fields: so a
/// test submits the form the page shows, pre-filled values and all. The controller, the verb
/// and the endpoint's fields, for [`Browser::run`] (which adds the dashboard's own).
fn as_rendered(
    page: &str,
    button: &str,
    changed: &[(&str, &str)],
) -> (String, String, Vec<(String, String)>) {
    let end = page
        .find(&format!("<button type=\"submit\">{button}</button>"))
        .unwrap_or_else(|| panic!("no {button} form"));
    let form = &page[page[..end].rfind("<form ").unwrap()..end];
    let controller = attribute(form, "action").unwrap().rsplit('/').next().unwrap().to_owned();
    let mut fields: Vec<(String, String)> = Vec::new();
    for tag in form.split('<').skip(1) {
        let name = attribute(tag, "name");
        if tag.starts_with("input ") {
            fields.push((name.unwrap(), attribute(tag, "value").unwrap_or_default()));
        } else if tag.starts_with("select ") {
            let options = &form[form.find(tag).unwrap()..];
            let options = &options[..options.find("</select>").unwrap()];
            let chosen = options
                .split("<option ")
                .skip(1)
                .find(|o| o.contains(" selected>"))
                .or_else(|| options.split("<option ").nth(1));
            fields.push((name.unwrap(), attribute(&format!(" {}", chosen.unwrap()), "value").unwrap()));
        }
    }
    let method = fields.iter().find(|(n, _)| n == "_method").map(|(_, v)| v.clone()).unwrap_or_default();
    fields.retain(|(name, _)| !name.starts_with('_'));
    for (name, value) in changed {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    (controller, method, fields)
}

fn product(server: &Server) -> String {
    let answer = server.ok("POST", "Product", &json!({"productname": "Dash", "clientsallowed": 2}));
    common::created_id(&answer)
}

#[test]
fn sign_in_takes_read_write_and_read_only_keys_into_a_strict_session() {
    let server = Server::start();
    let mut browser = Browser::new(&server);
    let first = browser.get("/dashboard/codes");
    assert_eq!((first.status, first.location.as_str()), (303, "/dashboard/sign-in"));
    assert_eq!(browser.get("/dashboard/sign-in").status, 200);

    let wrong = browser.post("/dashboard/sign-in", &[("apikey", "not-a-key")]);
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("wrong customer ID or API key"), "{}", wrong.body);
    for kind in ["offline", "ds"] {
        let refused = browser.sign_in(kind);
        assert_eq!(refused.status, 403, "{kind}");
        assert!(refused.body.contains("sign in with a READ-WRITE or READ-ONLY key"), "{}", refused.body);
        assert!(refused.set_cookie.is_empty(), "{kind} keys get no session");
    }

    for kind in ["read_write", "read_only"] {
        let mut browser = Browser::new(&server);
        let signed = browser.sign_in(kind);
        assert_eq!((signed.status, signed.location.as_str()), (303, "/dashboard/codes"), "{kind}");
        let cookie = &signed.set_cookie;
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/dashboard"] {
            assert!(cookie.contains(flag), "{cookie} lacks {flag}");
        }
        assert!(!cookie.contains("Secure"), "plain HTTP: no Secure flag ({cookie})");
        let id = browser.cookie.split_once('=').unwrap().1;
        assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        let page = browser.get("/dashboard/codes");
        assert_eq!(page.status, 200);
        let label = if kind == "read_write" { "READ-WRITE" } else { "READ-ONLY" };
        assert!(page.body.contains(label));
        // The customer ID and key together are accepted too.
        let again = Browser::new(&server);
        let key = server.keys[kind].as_str().unwrap();
        let both = again.post("/dashboard/sign-in", &[("apikey", &format!("{}:{key}", server.customer))]);
        assert_eq!(both.status, 303);
    }

    // Signing out needs the token and ends the session for good.
    let mut browser = Browser::new(&server);
    browser.sign_in("read_write");
    assert_eq!(browser.post("/dashboard/sign-out", &[("_csrf", "0")]).status, 403);
    let token = browser.token();
    let out = browser.post("/dashboard/sign-out", &[("_csrf", &token)]);
    assert_eq!((out.status, out.location.as_str()), (303, "/dashboard/sign-in"));
    assert!(out.set_cookie.contains("Max-Age=0"));
    assert_eq!(browser.get("/dashboard/codes").location, "/dashboard/sign-in?why=expired");
}

#[test]
fn changes_need_the_sessions_token_and_reach_the_web_api_and_the_audit_trail() {
    let server = Server::start();
    let mut browser = Browser::new(&server);
    browser.sign_in("read_write");
    let fields = [("productname", "Made in the dashboard"), ("clientsallowed", "3")];
    let without = browser.post("/dashboard/run/Product", &fields);
    assert_eq!(without.status, 403);
    assert!(without.body.contains("the form&#39;s token is missing"), "{}", without.body);
    let mut wrong = vec![("_csrf", "00000000000000000000000000000000")];
    wrong.extend_from_slice(&fields);
    assert_eq!(browser.post("/dashboard/run/Product", &wrong).status, 403);
    // Another session's token is not this one's.
    let mut other = Browser::new(&server);
    other.sign_in("read_write");
    let theirs = other.token();
    let mut with_theirs = vec![("_csrf", theirs.as_str())];
    with_theirs.extend_from_slice(&fields);
    assert_eq!(browser.post("/dashboard/run/Product", &with_theirs).status, 403);
    assert_eq!(server.ok("GET", "Products", &json!({})), json!([]), "nothing was created");

    let made = browser.run("Product", "POST", &fields);
    assert_eq!((made.status, made.location.as_str()), (303, "/dashboard/codes"), "{}", made.body);
    let products = server.ok("GET", "Products", &json!({}));
    assert_eq!(products[0]["productName"], "Made in the dashboard");
    assert_eq!(products[0]["clientsAllowed"], 3);
    let id = products[0]["productId"].as_str().unwrap().to_owned();
    // The answer is shown once, on the next page.
    let next = browser.get("/dashboard/codes").body;
    assert!(next.contains(&format!("Product Created Successfully : {id}")), "{next}");
    assert!(!browser.get("/dashboard/codes").body.contains("Product Created Successfully"));

    // The handler's refusal, with its message, on the page.
    let refused = browser.run("LicenseCode", "POST", &[("productid", &id), ("numcodes", "0")]);
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("numcodes: must be between 1 and 10000"), "{}", refused.body);
    assert!(refused.body.contains("<a href=\"/dashboard/codes\">Back</a>"), "back to the form's page");
    assert!(
        browser
            .run("LicenseCode", "POST", &[("productid", &id), ("numcodes", "1"), ("bogus", "1")])
            .body
            .contains("unknown field: bogus")
    );

    let codes = browser.run("LicenseCode", "POST", &[("productid", &id), ("numcodes", "2")]);
    assert_eq!(codes.status, 303);
    let listed = server.ok("GET", "LicenseCodes", &json!({"productid": id, "pagenumber": 1}));
    let code = listed[0]["licenseCode"].as_str().unwrap().to_owned();
    let off = browser.run(
        "LicenseCode",
        "PUT",
        &[("productid", &id), ("licensecode", &code), ("enabledforuse", "false")],
    );
    assert_eq!(off.status, 303);
    let found = server.ok("GET", "LicenseCode", &json!({"licensecode": code}));
    assert_eq!(found[0]["enabledforuse"], "False");

    let audit = server.ok("GET", "AuditLog", &json!({"pagenumber": 1}));
    let prefix: String = server.keys["read_write"].as_str().unwrap().chars().take(6).collect();
    let entries: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["method"].as_str().unwrap(), e["controller"].as_str().unwrap()))
        .collect();
    assert_eq!(entries, [("PUT", "LicenseCode"), ("POST", "LicenseCode"), ("POST", "Product")]);
    for entry in audit.as_array().unwrap() {
        assert_eq!(entry["keyKind"], "read_write");
        assert_eq!(entry["keyPrefix"], prefix.as_str());
        assert_eq!(entry["address"], "127.0.0.1");
    }
    assert_eq!(audit[0]["fields"], "enabledforuse,licensecode,productid");

    // The code's page and the list; the CSV export holds the same rows.
    let page = browser.get(&format!("/dashboard/code?productid={id}&licensecode={code}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Enable the code"), "a disabled code offers to enable it");
    let csv = browser.get(&format!("/dashboard/codes?productid={id}&format=csv"));
    assert_eq!(csv.status, 200);
    assert!(csv.headers.contains("text/csv"), "{}", csv.headers);
    assert_eq!(csv.body.lines().count(), 3, "a header and two codes: {}", csv.body);
    assert!(csv.body.contains(&code));
}

#[test]
fn codes_are_searched_by_code_company_and_computer_sorted_by_the_database_and_activations_deleted() {
    let server = Server::start();
    let id = product(&server);
    let company = server.ok("POST", "Company", &json!({"productid": id, "company": "Ünïcode Acme Ltd"}));
    let company_id = company.as_str().unwrap().rsplit(' ').next().unwrap().to_owned();
    server.ok("POST", "LicenseCode", &json!({"productid": id, "licensecodes": "AAA-1,BBB-2,CCC-3"}));
    server.ok(
        "POST",
        "LicenseCode",
        &json!({"productid": id, "licensecodes": "ZZZ-9", "companyid": company_id}),
    );
    let mut browser = Browser::new(&server);
    browser.sign_in("read_only");
    let count = |query: &str| {
        let page = browser.get(&format!("/dashboard/codes?{query}")).body;
        let end = page.find(" in all").expect("a count");
        page[..end].rsplit('>').next().unwrap().to_owned()
    };
    assert_eq!(count(""), "4");
    assert_eq!(count("code=bbb"), "1", "any part of a code, without regard to case");
    assert_eq!(count("code=acme"), "1", "a company's name in part");
    assert_eq!(count("code=ACME+LTD"), "1");
    assert_eq!(count("code=nothing"), "0");
    let csv = |query: &str| browser.get(&format!("/dashboard/codes?format=csv&{query}")).body;
    let first = |text: String| text.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    assert_eq!(first(csv("sort=code&order=asc")), "AAA-1");
    assert_eq!(first(csv("sort=code&order=desc")), "ZZZ-9");
    assert_eq!(first(csv("sort=company&order=desc")), "ZZZ-9");

    // A computer that activated a code finds it; its activation is shown and deleted there.
    let store = tempfile::tempdir().unwrap();
    let app = common::licensing::client(&server, &id, store.path());
    app.activate("BBB-2").unwrap();
    let computer = app.computer_id();
    assert_eq!(count(&format!("code={computer}")), "1");
    assert_eq!(first(csv(&format!("code={computer}"))), "BBB-2");
    let page = browser.get(&format!("/dashboard/code?productid={id}&licensecode=BBB-2")).body;
    assert!(page.contains(computer), "the activation on the code's page");
    // Heard from at its activation, then at each refresh.
    let contact = |page: &str| {
        let row = &page[page.find(computer).unwrap()..];
        row.split("<td>").nth(8).unwrap().split('<').next().unwrap().to_owned()
    };
    let first = contact(&page);
    assert_eq!(first.len(), 19, "a time to the second: {first:?}");
    std::thread::sleep(Duration::from_millis(1100));
    app.refresh().unwrap();
    let page = browser.get(&format!("/dashboard/code?productid={id}&licensecode=BBB-2")).body;
    assert!(contact(&page) > first, "the refresh is the last contact");
    assert!(!page.contains("action=\"/dashboard/run/"), "no change control for a READ-ONLY key");
    let mut writer = Browser::new(&server);
    writer.sign_in("read_write");
    let page = writer.get(&format!("/dashboard/code?productid={id}&licensecode=BBB-2")).body;
    assert!(
        page.contains("value=\"LicenseCodeActivity\"") || page.contains("/dashboard/run/LicenseCodeActivity")
    );
    let deleted = writer.run(
        "LicenseCodeActivity",
        "DELETE",
        &[("productid", &id), ("licensecode", "BBB-2"), ("computerid", computer)],
    );
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    let activity = server.ok(
        "GET",
        "LicenseCodeActivity",
        &json!({"productid": id, "licensecode": "BBB-2", "activated": 1}),
    );
    assert_eq!(activity, json!([]), "the activation is gone");
}

/// Every change the dashboard can post.
const CHANGES: &[(&str, &str)] = &[
    ("/dashboard/run/Product", "POST"),
    ("/dashboard/run/Product", "PUT"),
    ("/dashboard/run/ProductFeatures", "POST"),
    ("/dashboard/run/ProductFeatures", "PUT"),
    ("/dashboard/run/ProductFeatures", "DELETE"),
    ("/dashboard/run/ProductFeatureGroups", "POST"),
    ("/dashboard/run/ProductFeatureGroups", "PUT"),
    ("/dashboard/run/ProductFeatureGroups", "DELETE"),
    ("/dashboard/run/ProductUDF", "POST"),
    ("/dashboard/run/ProductUDF", "PUT"),
    ("/dashboard/run/ProductUDF", "DELETE"),
    ("/dashboard/run/Profile", "POST"),
    ("/dashboard/run/Profile", "PUT"),
    ("/dashboard/run/ConsumerData", "POST"),
    ("/dashboard/run/LicenseCode", "POST"),
    ("/dashboard/run/LicenseCode", "PUT"),
    ("/dashboard/run/LicenseCodeActivity", "PUT"),
    ("/dashboard/run/LicenseCodeActivity", "DELETE"),
    ("/dashboard/run/LicenseNote", "POST"),
    ("/dashboard/run/LicenseNote", "DELETE"),
    ("/dashboard/run/Company", "POST"),
    ("/dashboard/run/Company", "DELETE"),
    ("/dashboard/run/Trial", "DELETE"),
    ("/dashboard/run/OfflineActivation", "DELETE"),
    ("/dashboard/offline/certificate", ""),
    ("/dashboard/offline/passive", ""),
];

#[test]
fn a_read_only_key_sees_everything_and_changes_nothing() {
    let server = Server::start();
    let id = product(&server);
    let created = server.ok("POST", "LicenseCode", &json!({"productid": id, "numcodes": 1}));
    let code = created.as_str().unwrap().rsplit(' ').next().unwrap().to_owned();
    let mut browser = Browser::new(&server);
    browser.sign_in("read_only");
    let pages = [
        "/dashboard/codes".to_owned(),
        format!("/dashboard/code?productid={id}&licensecode={code}"),
        "/dashboard/products".to_owned(),
        format!("/dashboard/product?productid={id}"),
        "/dashboard/companies".to_owned(),
        "/dashboard/trials".to_owned(),
        "/dashboard/consumers".to_owned(),
        "/dashboard/events".to_owned(),
        "/dashboard/offline".to_owned(),
    ];
    for page in &pages {
        let answer = browser.get(page);
        assert_eq!(answer.status, 200, "{page}: {}", answer.body);
        assert!(!answer.body.contains("action=\"/dashboard/run/"), "{page} shows a change control");
        assert!(!answer.body.contains("action=\"/dashboard/offline/"), "{page} shows a change control");
    }
    let token = browser.token();
    for (path, method) in CHANGES {
        let form = [
            ("_csrf", token.as_str()),
            ("_method", method),
            ("productid", id.as_str()),
            ("licensecode", code.as_str()),
            ("numcodes", "1"),
        ];
        let answer = browser.post(path, &form);
        assert_eq!(answer.status, 403, "{method} {path}: {}", answer.body);
        assert!(answer.body.contains("READ-ONLY key"), "{}", answer.body);
    }
    let audit = server.ok("GET", "AuditLog", &json!({"pagenumber": 1}));
    assert_eq!(audit.as_array().unwrap().len(), 2, "only the Web API's two changes: {audit}");
    let codes = server.ok("GET", "LicenseCodes", &json!({}));
    assert_eq!(codes, 1);
}

#[test]
fn keys_never_appear_in_a_response_or_the_log_and_a_revoked_key_ends_its_sessions() {
    let server = Server::start_logged(&["--log-level", "debug"]);
    let id = product(&server);
    let made = Command::new(BIN)
        .args(["keys", "create", "--kind", "read-write"])
        .args(server.location())
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let line = String::from_utf8(made.stdout).unwrap();
    let fields: Vec<&str> = line.trim().split('\t').collect();
    let (key_id, key) = (fields[0].to_owned(), fields[2].to_owned());

    let mut browser = Browser::new(&server);
    let signed = browser.post("/dashboard/sign-in", &[("apikey", &key)]);
    assert_eq!(signed.status, 303);
    browser.cookie = signed.set_cookie.split(';').next().unwrap().to_owned();
    let mut seen = vec![signed.headers.clone(), signed.body.clone(), signed.set_cookie.clone()];
    for path in [
        "/dashboard/codes".to_owned(),
        "/dashboard/products".to_owned(),
        format!("/dashboard/product?productid={id}"),
        "/dashboard/events".to_owned(),
        "/dashboard/offline".to_owned(),
        "/dashboard/codes?format=csv".to_owned(),
    ] {
        let answer = browser.get(&path);
        assert_eq!(answer.status, 200, "{path}");
        seen.extend([answer.headers, answer.body, answer.location, answer.set_cookie]);
    }
    let made = browser.run("LicenseCode", "POST", &[("productid", &id), ("numcodes", "1")]);
    seen.extend([made.headers, made.body, made.location]);
    let audit = server.ok("GET", "AuditLog", &json!({"pagenumber": 1}));
    seen.push(audit.to_string());
    let prefix: String = key.chars().take(6).collect();
    assert_eq!(audit[0]["keyPrefix"], Value::from(prefix));
    for text in &seen {
        assert!(!text.contains(&key), "the key in an answer: {text}");
    }
    let log = server.log();
    assert!(log.contains("/dashboard/codes"), "the requests are logged: {log}");
    assert!(!log.contains(&key), "the key in the log");
    assert!(!log.contains(browser.cookie.split_once('=').unwrap().1), "the session ID in the log");

    let revoked =
        Command::new(BIN).args(["keys", "revoke"]).args(server.location()).arg(&key_id).output().unwrap();
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    let since = Instant::now();
    loop {
        let answer = browser.get("/dashboard/codes");
        if answer.status == 303 {
            assert_eq!(answer.location, "/dashboard/sign-in?why=revoked");
            break;
        }
        assert!(since.elapsed() < Duration::from_secs(5), "a revoked key's session goes on");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        browser.get("/dashboard/codes").location,
        "/dashboard/sign-in?why=expired",
        "the session is gone"
    );
}

#[test]
fn events_are_counted_by_day_in_the_chart() {
    let server = Server::start();
    let id = product(&server);
    for name in ["export", "export", "print"] {
        let (status, _) = server.call("POST", "DataStreamer", "ds", &json!({"event": name, "productid": id}));
        assert_eq!(status, 200);
    }
    let mut browser = Browser::new(&server);
    browser.sign_in("read_only");
    let page = browser.get(&format!("/dashboard/events?productid={id}&days=7")).body;
    assert_eq!(page.matches("<rect").count(), 7, "a bar a day");
    assert!(page.contains("3 in all, at most 3 a day"), "{page}");
    assert!(page.contains("<td>export</td><td>2</td>"), "{page}");
    let csv = browser.get(&format!("/dashboard/events?productid={id}&format=csv")).body;
    assert_eq!(csv.lines().count(), 4, "{csv}");
}

/// Sessions live in the database: behind a load balancer, any process serves a session
/// another signed in, and a sign-out on one ends it on all. PostgreSQL only (the one backend
/// several processes share); on SQLite there is nothing more to see.
#[test]
fn a_session_is_known_to_every_process_on_one_database() {
    if !common::postgres::selected() {
        return;
    }
    let server = Server::start();
    let other = server.another_process(&[]);
    let mut here = Browser::new(&server);
    here.sign_in("read_write");
    let mut there = Browser::new(&other);
    there.cookie = here.cookie.clone();
    assert_eq!(there.get("/dashboard/codes").status, 200, "the other process knows the session");
    let token = there.token();
    assert_eq!(there.post("/dashboard/sign-out", &[("_csrf", &token)]).status, 303);
    assert_eq!(here.get("/dashboard/codes").location, "/dashboard/sign-in?why=expired");
}

#[test]
fn companies_trials_and_passive_licenses_go_through_their_endpoints() {
    let server = Server::start();
    let id = product(&server);
    let mut browser = Browser::new(&server);
    browser.sign_in("read_write");
    let made = browser.run("Company", "POST", &[("productid", &id), ("company", "Globex"), ("global", "0")]);
    assert_eq!(made.status, 303, "{}", made.body);
    let companies = server.ok("GET", "CompaniesProducts", &json!({}));
    assert_eq!(companies[0]["company"], "Globex");
    let page = browser.get("/dashboard/companies").body;
    assert!(page.contains("Globex"));
    let company = companies[0]["companyID"].as_str().unwrap();
    assert_eq!(browser.run("Company", "DELETE", &[("companyid", company)]).status, 303);
    assert_eq!(server.ok("GET", "CompaniesProducts", &json!({})), json!([]));

    // A trial the Web API does not know is refused with the handler's message.
    let trial = browser.run("Trial", "DELETE", &[("productid", &id), ("computerid", "NO-SUCH-COMPUTER")]);
    assert_eq!(trial.status, 404, "{}", trial.body);
    assert_eq!(browser.get("/dashboard/trials").status, 200);

    // A passive license downloads as the license alone.
    let token = browser.token();
    let refused = browser
        .post("/dashboard/offline/passive", &[("_csrf", &token), ("productid", &id), ("clientid", "short")]);
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("clientid: must be 10 to 255 printable ASCII characters"),
        "{}",
        refused.body
    );
    let license = browser.post(
        "/dashboard/offline/passive",
        &[("_csrf", &token), ("productid", &id), ("clientid", "CLIENT-0123456789")],
    );
    assert_eq!(license.status, 200, "{}", license.body);
    assert!(license.headers.contains("passive-license.txt"), "{}", license.headers);
    assert!(!license.body.contains("Created Successfully"), "{}", license.body);
    assert!(license.body.starts_with("-----BEGIN"), "{}", license.body);
    let audit = server.ok("GET", "AuditLog", &json!({"pagenumber": 1}));
    assert_eq!(audit[0]["controller"], "PassiveLicense");
}

/// A product with a feature in a group, a UDF and a profile, made through the Web API.
fn furnished_product(server: &Server) -> String {
    let made = server.ok(
        "POST",
        "Product",
        &json!({
            "productname": "Furnished",
            "clientsallowed": 2,
            "featuregroups": [{"featuregroupname": "Extras", "notes": "-"}],
            "features": [{"featurecode": "F1", "featurename": "Feature one", "notes": "first",
                          "featuregroupname": "Extras"}],
            "udfvalues": [{"fieldname": "Region", "defaultvalue": "EU"}],
        }),
    );
    let id = common::created_id(&made);
    server.ok("POST", "Profile", &json!({"productid": id, "profilename": "Gold", "clientsallowed": 4}));
    id
}

#[test]
fn features_groups_udfs_and_profiles_are_edited_from_their_stored_values() {
    let server = Server::start();
    let id = furnished_product(&server);
    let mut reader = Browser::new(&server);
    reader.sign_in("read_only");
    for page in [format!("/dashboard/product?productid={id}"), format!("/dashboard/consumers?productid={id}")]
    {
        let answer = reader.get(&page);
        assert_eq!(answer.status, 200, "{page}");
        assert!(!answer.body.contains("action=\"/dashboard/run/"), "{page} shows a change control");
    }

    let mut browser = Browser::new(&server);
    browser.sign_in("read_write");
    let page = browser.get(&format!("/dashboard/product?productid={id}")).body;
    for filled in [
        "name=\"features.0.featurename\" value=\"Feature one\"",
        "name=\"features.0.notes\" value=\"first\"",
        "name=\"featuregroups.0.newfeaturegroupname\" value=\"Extras\"",
        "name=\"udfvalues.0.defaultvalue\" value=\"EU\"",
        "name=\"clientsallowed\" value=\"4\"",
        "name=\"features.0.featurecode\" value=\"F1\"",
    ] {
        assert!(page.contains(filled), "the page pre-fills {filled}");
    }

    // Each form as the page renders it, a field or two changed.
    let submit = |button: &str, changed: &[(&str, &str)]| {
        let page = browser.get(&format!("/dashboard/product?productid={id}")).body;
        let (controller, method, fields) = as_rendered(&page, button, changed);
        assert_eq!(method, "PUT", "{button}");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let answer = browser.run(&controller, &method, &fields);
        assert_eq!(answer.status, 303, "{button}: {}", answer.body);
    };
    submit("Save feature", &[("features.0.featurename", "Feature uno"), ("features.0.notes", "renamed")]);
    submit("Save feature group", &[("featuregroups.0.newfeaturegroupname", "Bonus")]);
    submit("Save UDF", &[("udfvalues.0.defaultvalue", "US")]);
    submit(
        "Save profile",
        &[
            ("clientsallowed", "9"),
            ("subscriptionenddate", "2031-01-31"),
            ("features.0.featureavailability", "on"),
        ],
    );

    let product = server.ok("GET", "Product", &json!({"productid": id}));
    let feature = &product[0]["features"][0];
    assert_eq!(
        (&feature["featureName"], &feature["featureNotes"]),
        (&json!("Feature uno"), &json!("renamed"))
    );
    assert_eq!(feature["featureGroup"], "Bonus");
    assert_eq!(product[0]["udfValues"][0], json!({"fieldName": "Region", "defaultValue": "US"}));
    let profile = server.ok("GET", "Profile", &json!({"productid": id, "profilename": "Gold"}));
    assert_eq!(profile[0]["clientsallowed"], 9);
    assert_eq!(profile[0]["subscriptionEnddate"], "2031-01-31T00:00:00");
    assert_eq!(profile[0]["features"][0]["featureCode"], "F1");
    assert_eq!(profile[0]["features"][0]["featureAvailability"], "ON");
    let page = browser.get(&format!("/dashboard/product?productid={id}")).body;
    assert!(page.contains("name=\"subscriptionenddate\" value=\"2031-01-31\""), "the new date pre-filled");

    // The code page's settings form is the same one, pre-filled from the code.
    let created =
        server.ok("POST", "LicenseCode", &json!({"productid": id, "profilename": "Gold", "numcodes": 1}));
    let code = created.as_str().unwrap().rsplit(' ').next().unwrap().to_owned();
    let here = format!("/dashboard/code?productid={id}&licensecode={code}");
    let page = browser.get(&here).body;
    assert!(page.contains("name=\"clientsallowed\" value=\"9\""), "the code's settings pre-filled");
    let (controller, method, fields) =
        as_rendered(&page, "Save settings", &[("maintenanceenddate", "2030-06-30")]);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let saved = browser.run(&controller, &method, &fields);
    assert_eq!(saved.status, 303, "{}", saved.body);
    let found = server.ok("GET", "LicenseCode", &json!({"licensecode": code}));
    assert_eq!(found[0]["maintenanceEnddate"], "2030-06-30T00:00:00");
    assert_eq!(found[0]["clientsallowed"], 9, "an unchanged pre-filled value stays as it was");

    // Every edit is audited as the dashboard's key made it.
    let audit = server.ok("GET", "AuditLog", &json!({"pagenumber": 1}));
    let entries: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .skip(2)
        .take(4)
        .map(|e| (e["method"].as_str().unwrap(), e["controller"].as_str().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [
            ("PUT", "Profile"),
            ("PUT", "ProductUDF"),
            ("PUT", "ProductFeatureGroups"),
            ("PUT", "ProductFeatures")
        ]
    );
    assert_eq!(
        (audit[0]["method"].as_str(), audit[0]["controller"].as_str()),
        (Some("PUT"), Some("LicenseCode"))
    );
    assert!(audit.as_array().unwrap().iter().take(6).all(|e| e["keyKind"] == "read_write"));
}

#[test]
fn consumer_data_is_recorded_through_its_endpoint() {
    let server = Server::start();
    let id = product(&server);
    let mut browser = Browser::new(&server);
    browser.sign_in("read_write");
    let page = browser.get(&format!("/dashboard/consumers?productid={id}")).body;
    assert!(page.contains("action=\"/dashboard/run/ConsumerData\""), "a form to record consumer data");
    let made = browser.run(
        "ConsumerData",
        "POST",
        &[
            ("productid", &id),
            ("computerid", "COMPUTER-0001"),
            ("clientinfo.firstname", "Ada"),
            ("clientinfo.email", "ada@example.com"),
            ("clientinfo.company", ""),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let found = server.ok("GET", "ConsumerData", &json!({"productid": id, "pagenumber": 1, "pagesize": 10}));
    assert_eq!(found[0]["computerID"], "COMPUTER-0001");
    assert_eq!((&found[0]["firstName"], &found[0]["email"]), (&json!("Ada"), &json!("ada@example.com")));
    let page = browser.get(&format!("/dashboard/consumers?productid={id}")).body;
    assert!(page.contains("ada@example.com"), "the record is listed");
    // Without any client information the handler's own refusal is shown.
    let refused = browser.run("ConsumerData", "POST", &[("productid", &id), ("computerid", "COMPUTER-0002")]);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("clientinfo: required"), "{}", refused.body);
}
