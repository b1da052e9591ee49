//! Groups, group users and account-based licensing: the twelve endpoints with the seed's
//! example inputs and output shapes, their refusals (all or nothing), the login back-off and
//! lock on the server's clock, and passwords kept out of every answer and the audit trail.
//!
//! Each Argon2id hash costs tens of milliseconds: the tests create few users.

mod common;

use common::licensing::{code, product};
use common::{Server, assert_shape, created_id, spawn_serve_at};
use serde_json::{Value, json};

const GROUP: &str = r#"{"groupID":9,"type":"Master","masterGroupID":0,"groupName":"TestGroup","description":"test group",
"created":"2018-08-31T09:40:48.043","modified":"2018-08-31T09:40:48.043","companyID":3,
"groupLicenses":[{"groupID":9,"productID":"6872450105","licenseCode":"278371835707856940","created":"2018-10-24T06:01:24.91"}],
"groupUsers":[{"groupUserID":7,"groupID":9,"userName":"test1","firstName":"John","lastName":"Smith","email":"john@test1.com",
"telephone":"+1 8888989988","additionalData":"{\"EUPMaster\":\"true\"}","created":"2020-10-21T18:15:43.193","modified":"2020-10-21T18:15:43.193"}],
"subGroups":[{"groupID":10,"groupName":"Subgroup1"}]}"#;
const GROUP_USER: &str = r#"{"groupUserID":7,"groupID":9,"userName":"testgroupuser7","firstName":"John","lastName":"Smith",
"email":"john@test.com","telephone":"+44 9988998899","additionalData":"{\"EUPMaster\":\"true\",\"description\":\"settomaster\"}",
"created":"2020-10-22T08:52:23.28","modified":"2020-12-18T15:52:32.71"}"#;
const GROUP_LICENSE: &str = r#"{"groupID":6,"productID":"6872450105","licenseCode":"27835001310249256","created":"2019-12-18T17:09:53.39"}"#;

fn seed(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A user as the seed shows it: the two fields beyond the seed checked and taken off.
fn seed_user(user: &Value, failed: i64) -> Value {
    let mut user = user.clone();
    let extra = user.as_object_mut().unwrap();
    assert_eq!(extra.remove("failedLogins"), Some(json!(failed)), "{user}");
    assert_eq!(extra.remove("lockedUntil"), Some(Value::Null));
    user
}

/// A group license as the seed shows it: without `computersPerUser`, beyond the seed (1 unless
/// given).
fn seed_license(license: &Value) -> Value {
    let mut license = license.clone();
    assert_eq!(license.as_object_mut().unwrap().remove("computersPerUser"), Some(json!(1)), "{license}");
    license
}

/// Expects a refusal with this status whose message starts with `field`.
fn refused(server: &Server, method: &str, controller: &str, body: Value, status: u16, field: &str) -> String {
    let (got, answer) = server.call(method, controller, "read_write", &body);
    let message = answer["error"].as_str().unwrap_or_default().to_owned();
    assert_eq!(got, status, "{method} {controller} {body}: {answer}");
    assert!(message.starts_with(field), "{method} {controller}: {message:?} should name {field}");
    message
}

fn authenticate(server: &Server, username: &str, password: &str) -> (u16, Value) {
    server.call("GET", "AuthenticateUser", "read_only", &json!({"username": username, "password": password}))
}

#[test]
fn every_endpoint_with_the_seed_examples() {
    let server = Server::start();
    let product = product(&server, json!({}));
    let company =
        created_id(&server.ok("POST", "Company", &json!({"productid": product, "company": "Acme"})));
    server.ok("POST", "Profile", &json!({"productid": product, "profilename": "Team"}));
    let profile =
        server.ok("GET", "Profile", &json!({"productid": product, "profilename": "Team"}))[0]["profileID"]
            .as_i64()
            .unwrap();
    let (first, second) = (code(&server, &product, json!({})), code(&server, &product, json!({})));

    let master = created_id(&server.ok(
        "POST",
        "Group",
        &json!({"groupname": "TestGroup", "type": "MASTER", "description": "test group", "companyid": company}),
    ));
    let created = server.ok(
        "POST",
        "Group",
        &json!({"groupname": "NewGroup17", "type": "standard", "description": "NewGroup17 Created to test", "companyid": company}),
    );
    assert!(created.as_str().unwrap().starts_with("Group Created Successfully : "), "{created}");
    let sub = created_id(&created);
    let updated = server.ok(
        "PUT",
        "Group",
        &json!({"groupid": sub, "type": "master", "description": "NewGroup17 updated to master group"}),
    );
    assert_eq!(updated, "Group Updated Successfully");
    server.ok("PUT", "Group", &json!({"groupid": sub, "type": "Standard", "mastergroupid": master}));

    let created = server.ok(
        "POST",
        "GroupUser",
        &json!({"groupid": master, "username": "testuser31", "password": "testuserpassword", "firstname": "John",
                "email": "john@test31.com", "additionaldata": {"EUPMaster": "true"}}),
    );
    assert!(created.as_str().unwrap().starts_with("Group User Created Successfully : "), "{created}");
    let user = created_id(&created);
    // The seed's example, with the comma it lacks after "test32".
    let updated = server.ok(
        "PUT",
        "GroupUser",
        &json!({"groupuserid": user, "groupid": master, "username": "test32", "firstname": "John", "lastname": "Smith",
                "additionaldata": {"EUPMaster": "true", "description": "settomaster", "customdata": "data1"}}),
    );
    assert_eq!(updated, "Group User Updated Successfully");
    let assigned = server.ok(
        "POST",
        "GroupLicenseCode",
        &json!({"groupid": master, "productid": product, "licensecode": first, "companyid": company, "profileid": profile}),
    );
    assert_eq!(assigned, "Group License Code Assigned Successfully");
    let shown = &server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": first}))[0];
    assert_eq!(shown["profilename"], "Team", "the code went to the profile too");
    assert_eq!(shown["companyID"], json!(company.parse::<i64>().unwrap()), "and to the company");

    let license = server.ok("GET", "GroupLicenseCode", &json!({"productid": product, "licensecode": first}));
    assert_shape(&seed_license(&license), &seed(GROUP_LICENSE), "GroupLicenseCode");
    assert_eq!(license["groupID"], json!(master.parse::<i64>().unwrap()));

    let (status, group) = server.call("GET", "Group", "read_only", &json!({"groupid": master}));
    assert_eq!(status, 200, "{group}");
    let mut as_seed = group.clone();
    as_seed["groupUsers"][0] = seed_user(&group["groupUsers"][0], 0);
    as_seed["groupLicenses"][0] = seed_license(&group["groupLicenses"][0]);
    assert_shape(&as_seed, &seed(GROUP), "Group");
    assert_eq!((group["type"].as_str(), group["companyID"].to_string()), (Some("Master"), company.clone()));
    assert_eq!(group["groupLicenses"][0]["licenseCode"], first.as_str());
    assert_eq!(
        group["subGroups"],
        json!([{"groupID": sub.parse::<i64>().unwrap(), "groupName": "NewGroup17"}])
    );
    let by_name = server.ok("GET", "Group", &json!({"groupName": "testgroup"}));
    assert_eq!(by_name, group, "names match without regard to case");
    let sub_group = server.ok("GET", "Group", &json!({"groupid": sub}));
    assert_eq!(
        (sub_group["type"].as_str(), &sub_group["masterGroupID"]),
        (Some("Standard"), &json!(master.parse::<i64>().unwrap()))
    );

    let shown = server.ok("GET", "GroupUser", &json!({"groupuserid": user}));
    assert_shape(&seed_user(&shown, 0), &seed(GROUP_USER), "GroupUser");
    assert_eq!(shown["userName"], "test32");
    assert_eq!(
        shown["additionalData"],
        r#"{"EUPMaster":"true","customdata":"data1","description":"settomaster"}"#
    );
    assert_eq!(server.ok("GET", "GroupUser", &json!({"username": "TEST32"})), shown);

    let changed =
        server.ok("PUT", "GroupUserPassword", &json!({"username": "test32", "password": "test21PassWord"}));
    assert_eq!(changed, "Group User Password Updated Successfully");
    let (status, answer) = authenticate(&server, "test32", "test21PassWord");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"groupUserID": user.parse::<i64>().unwrap(), "groupID": master.parse::<i64>().unwrap(),
               "userName": "test32", "authenticated": true})
    );
    assert_eq!(authenticate(&server, "test32", "testuserpassword").0, 403, "the old password is gone");

    let created = server.ok(
        "POST",
        "GroupUserLicense",
        &json!({"groupName": "NewGroup1", "userName": "testuser1", "password": "test1Password", "productid": product,
                "licensecode": second, "firstname": "John", "lastname": "Smith",
                "additionaldata": {"EUPMaster": "true", "description": "settomaster", "customdata": "data1"}}),
    );
    assert!(created.as_str().unwrap().starts_with("Group User License Created Successfully : "), "{created}");
    let new_group = server.ok("GET", "Group", &json!({"groupname": "NewGroup1"}));
    assert_eq!(
        created_id(&created),
        format!("{},{}", new_group["groupID"], new_group["groupUsers"][0]["groupUserID"])
    );
    assert_eq!(
        (new_group["type"].as_str(), new_group["masterGroupID"].as_i64()),
        (Some("Standard"), Some(0))
    );
    assert_eq!(new_group["groupLicenses"][0]["licenseCode"], second.as_str());
    assert_eq!(new_group["groupUsers"][0]["userName"], "testuser1");
    assert_eq!(authenticate(&server, "testuser1", "test1Password").0, 200);

    // The seed's DELETE examples.
    let body = json!({"groupid": master, "productid": product, "licensecode": first});
    assert_eq!(server.ok("DELETE", "GroupLicenseCode", &body), "Group License Code Unassigned Successfully");
    refused(
        &server,
        "GET",
        "GroupLicenseCode",
        json!({"productid": product, "licensecode": first}),
        404,
        "licensecode",
    );
    refused(&server, "DELETE", "GroupLicenseCode", body, 404, "licensecode");
    assert_eq!(
        server.ok("DELETE", "GroupUser", &json!({"groupuserid": user})),
        "Group User Deleted Successfully"
    );
    refused(&server, "GET", "GroupUser", json!({"groupuserid": user}), 404, "groupuserid");
    // A group goes with its users and its codes; its subgroups stay, without a master.
    server.ok(
        "POST",
        "GroupUser",
        &json!({"groupid": master, "username": "leaving", "password": "leaving-password"}),
    );
    server.ok(
        "POST",
        "GroupLicenseCode",
        &json!({"groupid": master, "productid": product, "licensecode": first}),
    );
    assert_eq!(server.ok("DELETE", "Group", &json!({"groupid": master})), "Group Deleted Successfully");
    refused(&server, "GET", "Group", json!({"groupid": master}), 404, "groupid");
    refused(&server, "GET", "GroupUser", json!({"username": "leaving"}), 404, "username");
    refused(
        &server,
        "GET",
        "GroupLicenseCode",
        json!({"productid": product, "licensecode": first}),
        404,
        "licensecode",
    );
    assert_eq!(server.ok("GET", "Group", &json!({"groupid": sub}))["masterGroupID"], 0);
    let kept = server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": first}));
    assert_eq!(kept[0]["licenseCode"], first.as_str(), "the code itself stays");

    // No answer and no audit entry holds a password or its hash; the trail names the fields.
    let seen = [group, shown, new_group, license].map(|v| v.to_string()).join(" ");
    let (_, trail) = server.call("GET", "AuditLog", "read_only", &json!({"pagenumber": 1}));
    let trail_text = trail.to_string();
    for secret in ["testuserpassword", "test21PassWord", "test1Password", "leaving-password", "$argon2"] {
        assert!(!seen.contains(secret) && !trail_text.contains(secret), "{secret} leaked");
    }
    let entries = trail.as_array().unwrap();
    let password_change = entries.iter().find(|e| e["controller"] == "GroupUserPassword").unwrap();
    assert_eq!(password_change["fields"], "password,username");
    let controllers: Vec<&str> = entries.iter().map(|e| e["controller"].as_str().unwrap()).collect();
    for controller in ["Group", "GroupUser", "GroupLicenseCode", "GroupUserLicense"] {
        assert!(controllers.contains(&controller), "{controller} is audited: {controllers:?}");
    }
    assert!(!controllers.contains(&"AuthenticateUser"), "a login is not a vendor change");
}

#[test]
fn refusals_name_the_fields_and_write_nothing() {
    let server = Server::start();
    let product = product(&server, json!({}));
    let (first, second) = (code(&server, &product, json!({})), code(&server, &product, json!({})));
    let master = created_id(&server.ok("POST", "Group", &json!({"groupname": "Masters", "type": "master"})));
    let standard =
        created_id(&server.ok("POST", "Group", &json!({"groupname": "Plain", "type": "standard"})));

    for (method, controller, id, name) in [
        ("GET", "Group", "groupid", "groupname"),
        ("DELETE", "Group", "groupid", "groupname"),
        ("GET", "GroupUser", "groupuserid", "username"),
    ] {
        let both =
            refused(&server, method, controller, json!({id: 1, name: "x"}), 400, &format!("{id}, {name}"));
        assert!(both.contains("not both"), "{both}");
        refused(&server, method, controller, json!({}), 400, &format!("{id}, {name}"));
    }
    refused(&server, "POST", "Group", json!({"groupname": "G", "type": "admin"}), 400, "type");
    refused(&server, "POST", "Group", json!({"groupname": "G"}), 400, "type");
    refused(
        &server,
        "POST",
        "Group",
        json!({"groupname": "G", "type": "standard", "mastergroupid": 999}),
        400,
        "mastergroupid",
    );
    refused(
        &server,
        "POST",
        "Group",
        json!({"groupname": "G", "type": "standard", "mastergroupid": standard}),
        400,
        "mastergroupid",
    );
    refused(
        &server,
        "POST",
        "Group",
        json!({"groupname": "G", "type": "master", "mastergroupid": master}),
        400,
        "mastergroupid",
    );
    refused(
        &server,
        "POST",
        "Group",
        json!({"groupname": "G", "type": "standard", "companyid": 999}),
        404,
        "companyid",
    );
    refused(
        &server,
        "PUT",
        "Group",
        json!({"groupid": master, "mastergroupid": master}),
        400,
        "mastergroupid",
    );
    refused(&server, "POST", "Group", json!({"groupname": "masters", "type": "standard"}), 409, "groupname");
    refused(&server, "PUT", "Group", json!({"groupid": standard, "groupname": "MASTERS"}), 409, "groupname");
    server.ok("PUT", "Group", &json!({"groupid": standard, "mastergroupid": master}));
    refused(&server, "PUT", "Group", json!({"groupid": master, "type": "standard"}), 400, "type");
    refused(
        &server,
        "POST",
        "Group",
        json!({"groupname": "x".repeat(256), "type": "standard"}),
        400,
        "groupname",
    );

    let short = refused(
        &server,
        "POST",
        "GroupUser",
        json!({"groupid": master, "username": "u1", "password": "seven77"}),
        400,
        "password",
    );
    assert!(!short.contains("seven77"), "{short}");
    refused(
        &server,
        "POST",
        "GroupUser",
        json!({"groupid": master, "username": "u1", "password": "p".repeat(257)}),
        400,
        "password",
    );
    refused(
        &server,
        "POST",
        "GroupUser",
        json!({"groupid": master, "username": "u1", "password": 12345678}),
        400,
        "password",
    );
    refused(
        &server,
        "POST",
        "GroupUser",
        json!({"groupid": master, "username": "u1", "password": "long enough", "additionaldata": "[1]"}),
        400,
        "additionaldata",
    );
    let big = json!({"blob": "x".repeat(4100)});
    refused(
        &server,
        "POST",
        "GroupUser",
        json!({"groupid": master, "username": "u1", "password": "long enough", "additionaldata": big}),
        400,
        "additionaldata",
    );
    refused(
        &server,
        "POST",
        "GroupUser",
        json!({"groupid": 999, "username": "u1", "password": "long enough"}),
        404,
        "groupid",
    );
    let user = created_id(&server.ok(
        "POST",
        "GroupUser",
        &json!({"groupid": master, "username": "Taken", "password": "long enough", "additionaldata": "{\"EUPMaster\":true}"}),
    ));
    assert_eq!(
        server.ok("GET", "GroupUser", &json!({"groupuserid": user}))["additionalData"],
        r#"{"EUPMaster":true}"#
    );
    refused(
        &server,
        "POST",
        "GroupUser",
        json!({"groupid": standard, "username": "taken", "password": "long enough"}),
        409,
        "username",
    );
    refused(&server, "PUT", "GroupUser", json!({"groupuserid": user, "username": "x"}), 400, "groupid");
    refused(
        &server,
        "PUT",
        "GroupUserPassword",
        json!({"username": "nobody", "password": "long enough"}),
        404,
        "username",
    );

    server.ok(
        "POST",
        "GroupLicenseCode",
        &json!({"groupid": master, "productid": product, "licensecode": first}),
    );
    let elsewhere = refused(
        &server,
        "POST",
        "GroupLicenseCode",
        json!({"groupid": standard, "productid": product, "licensecode": first}),
        409,
        "licensecode",
    );
    assert!(elsewhere.contains(&format!("group {master}")), "{elsewhere}");
    refused(
        &server,
        "POST",
        "GroupLicenseCode",
        json!({"groupid": standard, "productid": product, "licensecode": "1"}),
        404,
        "licensecode",
    );
    // A profile or company that does not fit refuses the whole assignment.
    refused(
        &server,
        "POST",
        "GroupLicenseCode",
        json!({"groupid": standard, "productid": product, "licensecode": second, "profileid": 999}),
        404,
        "profileid",
    );
    refused(
        &server,
        "POST",
        "GroupLicenseCode",
        json!({"groupid": standard, "productid": product, "licensecode": second, "companyid": 999}),
        404,
        "companyid",
    );
    refused(
        &server,
        "GET",
        "GroupLicenseCode",
        json!({"productid": product, "licensecode": second}),
        404,
        "licensecode",
    );
    refused(
        &server,
        "DELETE",
        "GroupLicenseCode",
        json!({"groupid": standard, "productid": product, "licensecode": first}),
        404,
        "licensecode",
    );

    // POST GroupUserLicense is all or nothing.
    let request = |group: &str, user: &str, code: &str| json!({"groupname": group, "username": user, "password": "long enough", "productid": product, "licensecode": code});
    refused(&server, "POST", "GroupUserLicense", request("Fresh", "fresh", "123"), 404, "licensecode");
    refused(&server, "POST", "GroupUserLicense", request("Fresh", "TAKEN", &second), 409, "username");
    refused(&server, "POST", "GroupUserLicense", request("Fresh", "fresh", &first), 409, "licensecode");
    refused(&server, "POST", "GroupUserLicense", request("plain", "fresh", &second), 409, "groupname");
    refused(&server, "GET", "Group", json!({"groupname": "Fresh"}), 404, "groupname");
    refused(&server, "GET", "GroupUser", json!({"username": "fresh"}), 404, "username");
    refused(
        &server,
        "GET",
        "GroupLicenseCode",
        json!({"productid": product, "licensecode": second}),
        404,
        "licensecode",
    );

    // One answer for an unknown user and a wrong password.
    let unknown = authenticate(&server, "nobody", "long enough");
    assert_eq!(unknown, (403, json!({"error": "invalid username or password"})));
    assert_eq!(authenticate(&server, "taken", "wrong password"), unknown);
    assert_eq!(
        authenticate(&server, "TAKEN", "long enough").0,
        200,
        "usernames match without regard to case"
    );
    refused(&server, "GET", "AuthenticateUser", json!({"username": "taken"}), 400, "password");
    refused(&server, "GET", "AuthenticateUser", json!({"password": "long enough"}), 400, "username");
}

#[test]
fn fuzzed_fields_never_get_a_5xx() {
    let server = Server::start();
    let product = product(&server, json!({}));
    let code = code(&server, &product, json!({}));
    let group = created_id(&server.ok("POST", "Group", &json!({"groupname": "Fuzz", "type": "master"})));
    let user = created_id(&server.ok(
        "POST",
        "GroupUser",
        &json!({"groupid": group, "username": "fuzz", "password": "fuzz-password"}),
    ));
    let awkward = [
        Value::Null,
        json!(true),
        json!(-1),
        json!(1.5),
        json!("99999999999999999999"),
        json!("x".repeat(5000)),
        json!([{"a": 1}]),
        json!({"a": {"b": [1, {"c": null}]}}),
        json!("\u{0}\u{ffff}"),
    ];
    let endpoints: [(&str, &str, Value); 13] = [
        ("GET", "Group", json!({"groupid": group})),
        (
            "POST",
            "Group",
            json!({"groupname": "F2", "type": "standard", "description": "d", "mastergroupid": group, "companyid": 0}),
        ),
        (
            "PUT",
            "Group",
            json!({"groupid": group, "groupname": "Fuzz", "type": "master", "description": "d", "mastergroupid": 0, "companyid": 0}),
        ),
        ("DELETE", "Group", json!({"groupname": "nothing"})),
        ("GET", "GroupUser", json!({"groupuserid": user})),
        (
            "POST",
            "GroupUser",
            json!({"groupid": group, "username": "fuzz", "password": "fuzz-password", "firstname": "a",
            "lastname": "b", "email": "c", "telephone": "d", "additionaldata": {"a": 1}}),
        ),
        (
            "PUT",
            "GroupUser",
            json!({"groupuserid": user, "groupid": group, "username": "fuzz", "firstname": "a",
            "lastname": "b", "email": "c", "telephone": "d", "additionaldata": {"a": 1}}),
        ),
        ("DELETE", "GroupUser", json!({"groupuserid": 999})),
        ("GET", "GroupLicenseCode", json!({"productid": product, "licensecode": code})),
        (
            "POST",
            "GroupLicenseCode",
            json!({"groupid": group, "productid": product, "licensecode": code, "companyid": 0, "profileid": 0}),
        ),
        ("DELETE", "GroupLicenseCode", json!({"groupid": group, "productid": product, "licensecode": code})),
        (
            "POST",
            "GroupUserLicense",
            json!({"groupname": "Fuzz", "productid": product, "licensecode": code, "username": "fuzz",
            "password": "fuzz-password", "firstname": "a", "additionaldata": "{}"}),
        ),
        ("GET", "AuthenticateUser", json!({"username": "fuzz", "password": "fuzz-password"})),
    ];
    for (method, controller, base) in endpoints {
        let fields: Vec<String> = base.as_object().unwrap().keys().cloned().collect();
        for field in &fields {
            for value in &awkward {
                let mut body = base.clone();
                body[field.as_str()] = value.clone();
                let (status, answer) = server.call(method, controller, "read_write", &body);
                assert!(
                    (400..500).contains(&status) || status == 200,
                    "{method} {controller} {body}: {status} {answer}"
                );
            }
        }
    }
    refused(
        &server,
        "PUT",
        "GroupUserPassword",
        json!({"username": "fuzz", "password": ["x"]}),
        400,
        "password",
    );
}

/// The same data served again by a new process whose clock is `offset_secs` ahead.
fn restarted(mut server: Server, offset_secs: i64) -> Server {
    assert!(server.terminate().success());
    let (child, base) =
        spawn_serve_at(&[], &server.location(), &["--clock-offset-secs", &offset_secs.to_string()]);
    Server::adopt(server, child, base)
}

#[test]
fn failed_logins_back_off_then_lock_until_the_lock_ends_or_a_new_password() {
    let mut server = Server::start();
    let group = created_id(&server.ok("POST", "Group", &json!({"groupname": "Locks", "type": "standard"})));
    for name in ["alice", "bob"] {
        server.ok(
            "POST",
            "GroupUser",
            &json!({"groupid": group, "username": name, "password": format!("{name}-password")}),
        );
    }
    let failed = |server: &Server, name: &str| server.ok("GET", "GroupUser", &json!({"username": name}));
    // Five failures in a row answer 403; the sixth attempt within a second is refused
    // without checking the password, the right one included.
    for name in ["alice", "bob"] {
        for _ in 0..5 {
            assert_eq!(authenticate(&server, name, "wrong password").0, 403);
        }
        let (status, answer) = authenticate(&server, name, &format!("{name}-password"));
        assert_eq!(status, 429, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains("try again in 1 s"), "{answer}");
    }
    assert_eq!(failed(&server, "alice")["failedLogins"], 5);
    // Failures six to ten, each once the back-off (at most 16 s by then) has run out.
    for round in 1..=5 {
        server = restarted(server, 100 * round);
        for name in ["alice", "bob"] {
            assert_eq!(authenticate(&server, name, "wrong password").0, 403, "round {round}");
        }
    }
    // Locked: refused even with the right password; GET GroupUser shows until when.
    for name in ["alice", "bob"] {
        let (status, answer) = authenticate(&server, name, &format!("{name}-password"));
        assert_eq!(status, 423, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains("locked"), "{answer}");
        let shown = failed(&server, name);
        assert_eq!(shown["failedLogins"], 10);
        assert!(shown["lockedUntil"].as_str().unwrap().starts_with("20"), "{shown}");
        let listed = server.ok("GET", "Group", &json!({"groupid": group}));
        assert!(
            listed["groupUsers"].as_array().unwrap().iter().all(|u| u["lockedUntil"].is_string()),
            "{listed}"
        );
    }
    // A new password lifts alice's lock at once.
    server.ok("PUT", "GroupUserPassword", &json!({"username": "alice", "password": "alice-new-password"}));
    assert_eq!(authenticate(&server, "alice", "alice-new-password").0, 200);
    assert_eq!(failed(&server, "alice")["failedLogins"], 0);
    assert_eq!(authenticate(&server, "bob", "bob-password").0, 423);
    // Fifteen minutes later bob's lock has run out: the right password works and resets.
    let mut server = restarted(server, 500 + 15 * 60 + 1);
    assert!(failed(&server, "bob")["lockedUntil"].is_null(), "the lock has run out");
    assert_eq!(authenticate(&server, "bob", "bob-password").0, 200);
    let shown = failed(&server, "bob");
    assert_eq!((shown["failedLogins"].as_i64(), shown["lockedUntil"].is_null()), (Some(0), true));
    assert_eq!(authenticate(&server, "bob", "wrong password").0, 403, "counted from zero again");
    assert!(server.terminate().success());
}
