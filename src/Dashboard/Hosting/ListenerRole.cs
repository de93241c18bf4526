namespace Shop.Dashboard.Hosting;

/// <summary>Which listener an endpoint belongs to; requests arriving on another listener's port get 404.</summary>
internal sealed class ListenerRole
{
    public static readonly ListenerRole Query = new("query");
    public static readonly ListenerRole OtlpHttp = new("OTLP/HTTP");
    public static readonly ListenerRole OtlpGrpc = new("OTLP/gRPC");

    private ListenerRole(string name) => Name = name;

    public string Name { get; }

    public override string ToString() => Name;
}
