using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Shop.Dashboard.Hosting;

/// <summary>
/// The optional API key (Dashboard:ApiKey). OTLP clients send it in <c>x-otlp-api-key</c> (HTTP header
/// or gRPC metadata); API clients in <c>x-api-key</c>; browsers log in once and get a cookie holding a
/// key-derived token (never the key itself). Comparisons take constant time.
/// </summary>
internal sealed class ApiKeyCheck
{
    public const string OtlpHeader = "x-otlp-api-key";
    public const string ApiHeader = "x-api-key";
    public const string CookieName = "shop_dashboard_session";

    private readonly byte[]? _key;
    private readonly byte[]? _sessionToken;

    public ApiKeyCheck(IOptions<DashboardOptions> options)
    {
        var key = options.Value.ApiKey;
        if (!string.IsNullOrEmpty(key))
        {
            _key = Encoding.UTF8.GetBytes(key);
            _sessionToken = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(_key, "shop-dashboard-session"u8)));
        }
    }

    public string SessionToken => _sessionToken is null ? "" : Encoding.ASCII.GetString(_sessionToken);

    public bool OtlpAllowed(StringValues header) => _key is null || IsKey(header);

    public bool IsKey(string? candidate) =>
        _key is not null && candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _key);

    private static string? BearerToken(string authorization) =>
        authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;

    /// <summary>The query API and UI: the key in x-api-key or as a bearer token (what Alertmanager's http_config sends), or the session cookie.</summary>
    public bool QueryAllowed(HttpContext http) =>
        _key is null
        || IsKey(http.Request.Headers[ApiHeader])
        || IsKey(BearerToken(http.Request.Headers.Authorization.ToString()))
        || (http.Request.Cookies[CookieName] is { } cookie && _sessionToken is { } token && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), token));
}
