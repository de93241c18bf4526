namespace Shop.Grpc;

/// <summary>The outcome of a call: a status code and a human-readable detail (sent as grpc-status and grpc-message).</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
