using System.Text;
using Google.Protobuf;
using Shop.Testing;
using UsersV1 = Shop.Contracts.Users.V1;
using PaymentsV1 = Shop.Contracts.Payments.V1;

namespace Shop.EndToEnd.Tests.Hostile;

/// <summary>Who answers a hostile HTTP request, and how.</summary>
internal enum Answerer
{
    /// <summary>The application, with an RFC 9457 problem.</summary>
    App,

    /// <summary>The application, with its status but no JSON body: the client's Accept header rules JSON out.</summary>
    AppWithoutJson,

    /// <summary>Kestrel, before any of our code runs (request line, header limits): a status without a body.</summary>
    Kestrel,
}

/// <summary>
/// A hostile HTTP request to one service of the suite and the 4xx it must get; <see cref="Downstream"/> when the
/// gateway rightly asks another service before answering (a rule only that service owns).
/// </summary>
internal sealed record HostileHttp(string Service, RawRequest Request, int Expected, Answerer By = Answerer.App, bool Downstream = false);

/// <summary>A hostile gRPC request (raw bytes) and the gRPC status it must get (or the HTTP status, for a non-gRPC request).</summary>
internal sealed record HostileGrpc(string Service, string Path, byte[] Body, int? ExpectedGrpc, int ExpectedHttp = 200, string ContentType = "application/grpc");

/// <summary>
/// The table: every public route of the gateway, the payments fault admin API, and the users and payments gRPC
/// services, each with what a careless or hostile client sends. Names are the test case names.
/// </summary>
internal static class HostileRequests
{
    private const string Key = "Idempotency-Key";
    private const string ValidUserId = "6f1c1d2e-8a8b-4c1d-9a7e-1d2f3a4b5c6d";
    private const string Bearer = "Bearer " + ShopSuite.PaymentsAdminToken;

    // gRPC status codes, as numbers on the wire.
    private const int Ok = 0;
    private const int InvalidArgument = 3;
    private const int NotFound = 5;
    private const int ResourceExhausted = 8;

    private static readonly (string, string)[] NoHeaders = [];
    private static readonly (string, string)[] CheckoutKey = [(Key, "hostile-1")];
    private static readonly (string, string)[] AdminToken = [("Authorization", Bearer)];

    private static string Checkout(string lines) => $$"""{"userId":"{{ValidUserId}}","currency":"EUR","lines":{{lines}}}""";

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    private static HostileHttp PostUsers(string json, (string, string)[]? headers = null, int expected = 400) =>
        new(ShopSuite.Gateway, new RawRequest("POST", "/api/users", headers ?? NoHeaders, RawBody.Json(json)), expected);

    private static HostileHttp PostUsers(RawBody body, int expected, (string, string)[]? headers = null) =>
        new(ShopSuite.Gateway, new RawRequest("POST", "/api/users", headers ?? NoHeaders, body), expected);

    private static HostileHttp PostOrders(RawBody body, int expected = 400, (string, string)[]? headers = null) =>
        new(ShopSuite.Gateway, new RawRequest("POST", "/api/orders", headers ?? CheckoutKey, body), expected);

    private static HostileHttp Get(string target, int expected, (string, string)[]? headers = null, Answerer by = Answerer.App) =>
        new(ShopSuite.Gateway, new RawRequest("GET", target, headers ?? NoHeaders), expected, by);

    private static HostileHttp PutFaults(RawBody? body, int expected, (string, string)[]? headers = null) =>
        new(ShopSuite.Payments, new RawRequest("PUT", "/admin/faults", headers ?? AdminToken, body), expected);

    private static RawBody Bytes(string? contentType, params byte[][] parts) => new(contentType, [.. parts.SelectMany(p => p)]);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static readonly IReadOnlyDictionary<string, HostileHttp> Http = new Dictionary<string, HostileHttp>
    {
        // POST /api/users
        ["users: truncated JSON"] = PostUsers("""{"name":"""),
        ["users: name of the wrong type"] = PostUsers("""{"name":123,"email":"ada@example.com"}"""),
        ["users: no body"] = PostUsers(new RawBody("application/json", []), 400),
        ["users: no body and no content type"] = new(ShopSuite.Gateway, new RawRequest("POST", "/api/users", NoHeaders), 400),
        ["users: JSON null"] = PostUsers("null"),
        ["users: JSON array"] = PostUsers("""[{"name":"Ada","email":"ada@example.com"}]"""),
        ["users: null fields"] = PostUsers("""{"name":null,"email":null}"""),
        ["users: duplicate keys"] = PostUsers("""{"name":"Ada","email":"ada-dup@example.com","email":"eve-dup@example.com"}"""),
        ["users: duplicate keys in another case"] = PostUsers("""{"name":"Ada","Name":"Eve","email":"ada-case@example.com"}"""),
        ["users: nesting 1 000 deep"] = PostUsers($$"""{"name":{{Nested(1_000)}},"email":"ada@example.com"}"""),
        ["users: name of 10 000 characters"] = PostUsers($$"""{"name":"{{new string('n', 10_000)}}","email":"ada-long@example.com"}"""),
        ["users: email of 300 characters"] = PostUsers($$"""{"name":"Ada","email":"{{new string('e', 290)}}@example.com"}"""),
        ["users: name with a control character"] = PostUsers("""{"name":"Ada\u0000","email":"ada-nul@example.com"}""") with { Downstream = true },
        ["users: name of 5 MB"] = PostUsers(RawBody.JsonWithLongString("""{"name":"{filler}","email":"ada-5mb@example.com"}""", 5_000_000), 413),
        ["users: body of 40 MB"] = PostUsers(RawBody.JsonWithLongString("""{"name":"{filler}","email":"ada-40mb@example.com"}""", 40_000_000), 413),
        ["users: chunked body of 1 MB"] = PostUsers(RawBody.JsonWithLongString("""{"name":"{filler}","email":"ada-chunked@example.com"}""", 1_000_000, chunked: true), 413),
        ["users: invalid UTF-8"] = PostUsers(Bytes("application/json", Utf8("""{"name":"Ad"""), [0xC3, 0x28, 0xFF], Utf8("\",\"email\":\"ada-utf8@example.com\"}")), 400),
        ["users: text/plain"] = PostUsers(Bytes("text/plain", Utf8("""{"name":"Ada","email":"ada-text@example.com"}""")), 415),
        ["users: truncated JSON from a client that takes no JSON"] = PostUsers("""{"name":""", [("Accept", "text/html")]) with { By = Answerer.AppWithoutJson },
        ["users: form post"] = PostUsers(Bytes("application/x-www-form-urlencoded", Utf8("name=Ada&email=ada-form%40example.com")), 415),
        ["users: unknown charset"] = PostUsers(Bytes("application/json; charset=x-hostile", Utf8("""{"name":"Ada","email":"ada-charset@example.com"}""")), 415),
        ["users: bad traceparent and baggage"] = PostUsers("""{"name":""", [("traceparent", "00-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-0000000000000000-01"), ("baggage", "tenant.id=forged,user.id=forged")]),
        ["users: all-zero traceparent"] = PostUsers("""{"name":""", [("traceparent", "00-00000000000000000000000000000000-0000000000000000-01")]),
        ["users: traceparent of 8 KB"] = PostUsers("""{"name":""", [("traceparent", "00-" + new string('1', 8_000))]),
        ["users: baggage of 8 KB"] = PostUsers("""{"name":""", [("baggage", "tenant.id=" + new string('b', 8_000))]),

        // POST /api/orders
        ["orders: truncated JSON"] = PostOrders(RawBody.Json("{\"userId\":\"")),
        ["orders: quantity of the wrong type"] = PostOrders(RawBody.Json(Checkout("""[{"sku":"A","quantity":"two","unitPrice":1}]"""))),
        ["orders: quantity past int"] = PostOrders(RawBody.Json(Checkout("""[{"sku":"A","quantity":1e400,"unitPrice":1}]"""))),
        ["orders: null lines"] = PostOrders(RawBody.Json(Checkout("null"))),
        ["orders: null line"] = PostOrders(RawBody.Json(Checkout("[null]"))),
        ["orders: JSON null"] = PostOrders(RawBody.Json("null")),
        ["orders: no body"] = PostOrders(new RawBody("application/json", [])),
        ["orders: duplicate keys"] = PostOrders(RawBody.Json($$"""{"userId":"{{ValidUserId}}","userId":"{{Guid.Empty}}","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1}]}""")),
        ["orders: nesting 1 000 deep"] = PostOrders(RawBody.Json(Checkout(Nested(1_000)))),
        ["orders: 101 lines"] = PostOrders(RawBody.Json(Checkout("[" + string.Join(',', Enumerable.Repeat("""{"sku":"A","quantity":1,"unitPrice":1}""", 101)) + "]"))),
        ["orders: sku of 10 000 characters"] = PostOrders(RawBody.Json(Checkout($$"""[{"sku":"{{new string('s', 10_000)}}","quantity":1,"unitPrice":1}]"""))),
        ["orders: body of 40 MB"] = PostOrders(RawBody.JsonWithLongString(Checkout("""[{"sku":"{filler}","quantity":1,"unitPrice":1}]"""), 40_000_000), 413),
        ["orders: body of 100 KB"] = PostOrders(RawBody.JsonWithLongString(Checkout("""[{"sku":"{filler}","quantity":1,"unitPrice":1}]"""), 100_000), 413),
        ["orders: chunked body of 1 MB"] = PostOrders(RawBody.JsonWithLongString(Checkout("""[{"sku":"{filler}","quantity":1,"unitPrice":1}]"""), 1_000_000, chunked: true), 413),
        ["orders: invalid UTF-8"] = PostOrders(Bytes("application/json", Utf8($$"""{"userId":"{{ValidUserId}}","currency":"EU"""), [0xFF, 0xFE], Utf8("\",\"lines\":[]}"))),
        ["orders: text/plain"] = PostOrders(Bytes("text/plain", Utf8(Checkout("""[{"sku":"A","quantity":1,"unitPrice":1}]"""))), 415),
        ["orders: unknown charset"] = PostOrders(Bytes("application/json; charset=x-hostile", Utf8(Checkout("""[{"sku":"A","quantity":1,"unitPrice":1}]"""))), 415),
        ["orders: no Idempotency-Key"] = PostOrders(RawBody.Json(Checkout("""[{"sku":"A","quantity":1,"unitPrice":1}]""")), headers: NoHeaders),
        ["orders: Idempotency-Key of 10 KB"] = PostOrders(RawBody.Json(Checkout("""[{"sku":"A","quantity":1,"unitPrice":1}]""")), headers: [(Key, new string('k', 10_000))]),
        ["orders: Idempotency-Key not ASCII"] = PostOrders(RawBody.Json(Checkout("""[{"sku":"A","quantity":1,"unitPrice":1}]""")), headers: [(Key, "k\u00ff\u00fe")]) with { By = Answerer.Kestrel },
        ["orders: X-Tenant-Id of 10 KB"] = PostOrders(RawBody.Json("""{"userId":"""), headers: [(Key, "hostile-2"), ("X-Tenant-Id", new string('t', 10_000))]),
        ["orders: X-Tenant-Id with a comma"] = PostOrders(RawBody.Json("""{"userId":"""), headers: [(Key, "hostile-3"), ("X-Tenant-Id", "acme,evil=1")]),
        ["orders: X-Tenant-Id not ASCII"] = PostOrders(RawBody.Json("""{"userId":"""), headers: [(Key, "hostile-4"), ("X-Tenant-Id", "acme\u00ff")]) with { By = Answerer.Kestrel },
        ["orders: bad X-Tenant-Id from a client that takes no JSON"] = PostOrders(RawBody.Json("""{"userId":"""), headers: [(Key, "hostile-7"), ("X-Tenant-Id", "acme,evil=1"), ("Accept", "text/html")]) with { By = Answerer.AppWithoutJson },
        ["orders: X-Tenant-Id twice"] = PostOrders(RawBody.Json("""{"userId":"""), headers: [(Key, "hostile-5"), ("X-Tenant-Id", "acme"), ("X-Tenant-Id", "evil")]),
        ["orders: X-Tenant-Id empty"] = PostOrders(RawBody.Json("""{"userId":"""), headers: [(Key, "hostile-6"), ("X-Tenant-Id", "")]),

        // GET routes, ids and paths
        ["get user: id not a UUID"] = Get("/api/users/not-a-uuid", 400),
        ["get user: id of 4 KB"] = Get("/api/users/" + new string('9', 4_000), 400),
        ["get user: encoded dot segments"] = Get("/api/users/..%2F..%2Fadmin", 400),
        ["get user: encoded NUL"] = Get("/api/users/%00", 400, by: Answerer.Kestrel),
        ["get user: bad percent-encoding"] = Get("/api/users/%zz", 400),
        ["get user orders: id not a UUID"] = Get("/api/users/1%20OR%201=1/orders", 400),
        ["get order: id not a UUID"] = Get("/api/orders/%7B%7D", 400),
        ["get order: id with a query"] = Get("/api/orders/x?id=" + Guid.Empty, 400),
        ["path: dot segments"] = Get("/api/users/../../admin/faults", 404),
        ["path: double slash"] = Get("//api//users", 404),
        ["path: unknown route"] = Get("/api/admin", 404),
        ["path: wrong method"] = new(ShopSuite.Gateway, new RawRequest("DELETE", "/api/orders/" + Guid.Empty, NoHeaders), 405),
        ["path: request line over 8 KB"] = Get("/api/users/" + new string('9', 9_000), 414, by: Answerer.Kestrel),
        ["headers: one of 40 KB"] = Get("/api/users/not-a-uuid", 431, [("X-Padding", new string('p', 40_000))], Answerer.Kestrel),
        ["headers: 300 of 200 bytes"] = Get("/api/users/not-a-uuid", 431, [.. Enumerable.Range(0, 300).Select(i => ($"X-Padding-{i}", new string('p', 200)))], Answerer.Kestrel),
        ["headers: control character in a value"] = Get("/api/users/not-a-uuid", 400, [("X-Tenant-Id", "acme\u0001")]),

        // The payments fault admin API, with and without its token
        ["faults: truncated JSON"] = PutFaults(RawBody.Json("""{"failureRate":"""), 400),
        ["faults: rate of the wrong type"] = PutFaults(RawBody.Json("""{"failureRate":"all"}"""), 400),
        ["faults: duplicate keys"] = PutFaults(RawBody.Json("""{"failureRate":0,"failureRate":1}"""), 400),
        ["faults: nesting 1 000 deep"] = PutFaults(RawBody.Json($$"""{"tenant":{{Nested(1_000)}}}"""), 400),
        ["faults: no body"] = PutFaults(new RawBody("application/json", []), 400),
        // Routing, not the endpoint, refuses the content type; with GET on the same path it answers 404, not 415.
        ["faults: text/plain"] = PutFaults(Bytes("text/plain", Utf8("""{"failureRate":1}""")), 404),
        ["faults: body of 1 MB"] = PutFaults(RawBody.JsonWithLongString("""{"tenant":"{filler}"}""", 1_000_000), 413),
        ["faults: rate out of range"] = PutFaults(RawBody.Json("""{"failureRate":2}"""), 400),
        ["faults: no token"] = PutFaults(RawBody.Json("""{"failureRate":1}"""), 401, NoHeaders),
        ["faults: wrong token"] = PutFaults(RawBody.Json("""{"failureRate":1}"""), 403, [("Authorization", "Bearer nope")]),
        ["faults: token of 10 KB"] = PutFaults(RawBody.Json("""{"failureRate":1}"""), 403, [("Authorization", "Bearer " + new string('x', 10_000))]),
    };

    private static readonly UsersV1.GetUserRequest UnknownUser = new() { Id = Guid.NewGuid().ToString() };

    private static readonly PaymentsV1.ChargeRequest InvalidCharge = new()
    {
        IdempotencyKey = "hostile",
        OrderId = "not-a-uuid",
        Amount = new PaymentsV1.Money { AmountMinor = -1, Currency = "EUR" },
    };

    private const string GetUser = "/shop.users.v1.UsersService/GetUser";
    private const string CreateUser = "/shop.users.v1.UsersService/CreateUser";
    private const string ListUsers = "/shop.users.v1.UsersService/ListUsers";
    private const string Charge = "/shop.payments.v1.PaymentsService/Charge";
    private const string GetPayment = "/shop.payments.v1.PaymentsService/GetPayment";

    /// <summary>Bytes that are not a protobuf message: a field with wire type 7, which does not exist.</summary>
    private static readonly byte[] Garbage = [0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

    public static readonly IReadOnlyDictionary<string, HostileGrpc> Grpc = new Dictionary<string, HostileGrpc>
    {
        ["GetUser: empty message"] = new(ShopSuite.Users, GetUser, RawGrpc.Frame([]), InvalidArgument),
        ["CreateUser: empty message"] = new(ShopSuite.Users, CreateUser, RawGrpc.Frame([]), InvalidArgument),
        ["ListUsers: empty message"] = new(ShopSuite.Users, ListUsers, RawGrpc.Frame([]), Ok),
        ["ListUsers: negative page size"] = new(ShopSuite.Users, ListUsers, RawGrpc.Frame(new UsersV1.ListUsersRequest { PageSize = -1 }), InvalidArgument),
        ["ListUsers: forged page token"] = new(ShopSuite.Users, ListUsers, RawGrpc.Frame(new UsersV1.ListUsersRequest { PageToken = "' OR 1=1 --" }), InvalidArgument),
        ["GetUser: unknown field"] = new(ShopSuite.Users, GetUser, RawGrpc.Frame(RawGrpc.WithUnknownField(UnknownUser)), NotFound),
        ["GetUser: id of 1 MB"] = new(ShopSuite.Users, GetUser, RawGrpc.Frame(new UsersV1.GetUserRequest { Id = new string('9', 1_000_000) }), InvalidArgument),
        ["GetUser: id not UTF-8"] = new(ShopSuite.Users, GetUser, RawGrpc.Frame([0x0A, 0x03, 0xC3, 0x28, 0xFF]), InvalidArgument),
        ["CreateUser: name of 5 MB"] = new(ShopSuite.Users, CreateUser, RawGrpc.Frame(new UsersV1.CreateUserRequest { Name = new string('n', 5_000_000), Email = "big@example.com" }), ResourceExhausted),
        ["CreateUser: name of 100 KB"] = new(ShopSuite.Users, CreateUser, RawGrpc.Frame(new UsersV1.CreateUserRequest { Name = new string('n', 100_000), Email = "long@example.com" }), InvalidArgument),
        ["GetUser: frame that claims 100 MB"] = new(ShopSuite.Users, GetUser, RawGrpc.Frame(UnknownUser.ToByteArray(), declaredLength: 100_000_000), ResourceExhausted),
        ["GetUser: bytes that are not the message"] = new(ShopSuite.Users, GetUser, RawGrpc.Frame(Garbage), InvalidArgument),
        ["GetUser: truncated frame"] = new(ShopSuite.Users, GetUser, RawGrpc.Frame(UnknownUser.ToByteArray())[..10], InvalidArgument),
        ["GetUser: no frame at all"] = new(ShopSuite.Users, GetUser, [], InvalidArgument),
        ["GetUser: two messages"] = new(ShopSuite.Users, GetUser, [.. RawGrpc.Frame(UnknownUser), .. RawGrpc.Frame(UnknownUser)], InvalidArgument),
        ["GetUser: compressed flag without an encoding"] = new(ShopSuite.Users, GetUser, RawGrpc.Frame(UnknownUser.ToByteArray(), compressed: true), InvalidArgument),
        ["GetUser: JSON instead of gRPC"] = new(ShopSuite.Users, GetUser, Utf8("""{"id":"x"}"""), null, 415, "application/json"),
        ["Charge: empty message"] = new(ShopSuite.Payments, Charge, RawGrpc.Frame([]), InvalidArgument),
        ["Charge: invalid fields and an unknown one"] = new(ShopSuite.Payments, Charge, RawGrpc.Frame(RawGrpc.WithUnknownField(InvalidCharge)), InvalidArgument),
        ["Charge: key of 5 MB"] = new(ShopSuite.Payments, Charge, RawGrpc.Frame(new PaymentsV1.ChargeRequest { IdempotencyKey = new string('k', 5_000_000) }), ResourceExhausted),
        ["Charge: bytes that are not the message"] = new(ShopSuite.Payments, Charge, RawGrpc.Frame(Garbage), InvalidArgument),
        ["Charge: truncated frame"] = new(ShopSuite.Payments, Charge, [0, 0, 0, 0, 50, 0x0A], InvalidArgument),
        ["GetPayment: empty message"] = new(ShopSuite.Payments, GetPayment, RawGrpc.Frame([]), InvalidArgument),
        ["GetPayment: id not a UUID"] = new(ShopSuite.Payments, GetPayment, RawGrpc.Frame(new PaymentsV1.GetPaymentRequest { Id = "../../etc/passwd" }), InvalidArgument),
    };
}
