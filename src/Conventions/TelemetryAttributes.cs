namespace Shop.Conventions;

/// <summary>Span, metric and log attribute keys: the OpenTelemetry semantic conventions the suite emits, then its own.</summary>
public static class TelemetryAttributes
{
    // HTTP (semconv http.*, url.*, server.*, error.*)
    public const string HttpRequestMethod = "http.request.method";
    public const string HttpRoute = "http.route";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string UrlPath = "url.path";
    public const string UrlScheme = "url.scheme";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string NetworkProtocolVersion = "network.protocol.version";
    public const string ErrorType = "error.type";

    // RPC (semconv rpc.*, as OpenTelemetry.Instrumentation.GrpcNetClient emits them on the client spans)
    public const string RpcSystemName = "rpc.system.name";

    /// <summary>The fully qualified method, <c>{package.Service}/{Method}</c>, or <c>_OTHER</c> for one the server does not serve.</summary>
    public const string RpcMethod = "rpc.method";

    /// <summary>The status code's name, e.g. <c>OK</c>, <c>UNAVAILABLE</c> (<see cref="RpcStatusCodes"/>).</summary>
    public const string RpcResponseStatusCode = "rpc.response.status_code";

    // Database (semconv db.*; Npgsql sets them on its command spans, src/Data on the COMMIT and ROLLBACK spans)
    public const string DbSystemName = "db.system.name";
    public const string DbNamespace = "db.namespace";
    public const string DbOperationName = "db.operation.name";
    public const string DbQueryText = "db.query.text";
    public const string DbResponseStatusCode = "db.response.status_code";

    // Exceptions (span events)
    public const string ExceptionEventName = "exception";
    public const string ExceptionType = "exception.type";
    public const string ExceptionMessage = "exception.message";
    public const string ExceptionStacktrace = "exception.stacktrace";

    // Messaging (the outbox publisher)
    public const string MessagingSystem = "messaging.system";
    public const string MessagingOperationType = "messaging.operation.type";
    public const string MessagingDestinationName = "messaging.destination.name";
    public const string MessagingMessageId = "messaging.message.id";

    // Resource
    public const string ServiceName = "service.name";
    public const string ServiceVersion = "service.version";
    public const string ServiceInstanceId = "service.instance.id";
    public const string DeploymentEnvironmentName = "deployment.environment.name";

    // The suite's own. Identifiers only: never emails, names, card numbers or secrets.
    public const string TenantId = "tenant.id";
    public const string OrderId = "order.id";
    public const string UserId = "user.id";
    public const string PaymentId = "payment.id";
    public const string PaymentOutcome = "payment.outcome";
    public const string PaymentReplayed = "payment.replayed";
    public const string OrderStatus = "order.status";
    public const string CheckoutOutcome = "checkout.outcome";
    public const string Currency = "currency";
}
