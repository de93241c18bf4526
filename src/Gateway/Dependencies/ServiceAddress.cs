namespace Shop.Gateway.Dependencies;

/// <summary>Service addresses in the convention .NET Aspire uses: Services:{name}:{endpoint}:0.</summary>
internal static class ServiceAddress
{
    public static Uri Http(IConfiguration configuration, string service)
    {
        var key = $"Services:{service}:http:0";
        return Uri.TryCreate(configuration[key], UriKind.Absolute, out var address)
            ? address
            : throw new InvalidOperationException(
                $"No address for '{service}': set configuration {key} (environment variable Services__{service}__http__0) to an absolute URI such as http://127.0.0.1:5002.");
    }
}
