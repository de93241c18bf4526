using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Shop.Dashboard.Hosting;

namespace Shop.Dashboard.Ui;

/// <summary>
/// Serves the web UI embedded in the assembly (Ui/wwwroot): one HTML shell for every page route,
/// ES modules and CSS under /assets with ETags, and the login form when an API key is set.
/// </summary>
internal static class UiEndpoints
{
    /// <summary>Page routes of the single-page UI; /trace/{traceId} makes every trace linkable.</summary>
    public static readonly string[] Pages = ["/", "/search", "/trace/{traceId}", "/logs", "/dependencies", "/metrics", "/slos", "/alerts"];

    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly FrozenDictionary<string, Asset> Assets = LoadAssets();

    public static void MapUi(this IEndpointRouteBuilder endpoints)
    {
        foreach (var page in Pages)
        {
            endpoints.MapGet(page, (HttpContext http) => Serve(http, "index.html")).WithMetadata(ListenerRole.Query);
        }

        endpoints.MapGet("/assets/{**path}", (HttpContext http, string path) => Serve(http, "assets/" + path))
            .WithMetadata(ListenerRole.Query, PublicEndpoint.Instance);
        endpoints.MapGet("/login", (HttpContext http) => Serve(http, "login.html"))
            .WithMetadata(ListenerRole.Query, PublicEndpoint.Instance);
        endpoints.MapPost("/login", Login).WithMetadata(ListenerRole.Query, PublicEndpoint.Instance).DisableAntiforgery();
        endpoints.MapPost("/logout", (HttpContext http) =>
        {
            http.Response.Cookies.Delete(ApiKeyCheck.CookieName);
            return Results.Redirect("/login");
        }).WithMetadata(ListenerRole.Query, PublicEndpoint.Instance);
    }

    /// <summary>Checks the key from the login form and sets the session cookie; back to the page that asked.</summary>
    private static async Task<IResult> Login(HttpContext http, ApiKeyCheck apiKey)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = form["returnUrl"].ToString();
        if (!apiKey.IsKey(form["key"].ToString()))
        {
            return Results.Redirect("/login?failed=1&returnUrl=" + Uri.EscapeDataString(LocalOnly(returnUrl)));
        }

        http.Response.Cookies.Append(ApiKeyCheck.CookieName, apiKey.SessionToken, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
        });
        return Results.Redirect(LocalOnly(returnUrl));
    }

    /// <summary>Only same-site paths: a login link must not redirect elsewhere.</summary>
    private static string LocalOnly(string url) =>
        url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";

    private static IResult Serve(HttpContext http, string path)
    {
        if (!Assets.TryGetValue(path, out var asset))
        {
            return Results.NotFound();
        }

        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        return http.Request.Headers.IfNoneMatch == asset.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> LoadAssets()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("ui/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"";
            assets[name["ui/".Length..].Replace('\\', '/')] = new Asset(content, ContentTypeOf(name), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".ico" => "image/x-icon",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}

/// <summary>Marks an endpoint that needs no login even when an API key is set (the login form and static assets).</summary>
internal sealed class PublicEndpoint
{
    public static readonly PublicEndpoint Instance = new();
}
