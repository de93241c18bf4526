using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Shop.Payments.Charging;

namespace Shop.Payments.Faults;

/// <summary>GET/PUT /admin/faults: read and replace the fault settings at run time, with the admin bearer token.</summary>
internal static partial class FaultsAdminApi
{
    /// <summary>Largest body PUT /admin/faults reads: five numbers and a tenant fit many times over.</summary>
    public const long MaxBodyBytes = 4 * 1024;

    public static void MapFaultsAdmin(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin").AddEndpointFilter(RequireAdminToken);
        admin.MapGet("/faults", (FaultInjector faults) => TypedResults.Ok(faults.Settings));
        admin.MapPut("/faults", (FaultSettings settings, FaultInjector faults, ILogger<FaultInjector> logger) =>
        {
            var errors = settings.Validate();
            if (errors.Count > 0)
            {
                return (IResult)TypedResults.ValidationProblem(errors);
            }

            faults.Settings = settings;
            LogChanged(logger, settings.FailureRate, settings.LatencyMs, settings.LatencyJitterMs, settings.LatencyRate, settings.Tenant ?? "(all)");
            return TypedResults.Ok(settings);
        }).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBodyBytes));
    }

    /// <summary>401 without a bearer token, 403 with a wrong one, 403 for everyone when no token is configured.</summary>
    private static async ValueTask<object?> RequireAdminToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var expected = http.RequestServices.GetRequiredService<IOptions<PaymentsOptions>>().Value.AdminToken;
        if (string.IsNullOrEmpty(expected))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The admin API is disabled",
                detail: $"No admin token is configured: set {PaymentsOptions.Section}:{nameof(PaymentsOptions.AdminToken)}.");
        }

        var authorization = http.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length)
        {
            http.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer realm=\"payments-admin\"";
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Admin token required",
                detail: "Send Authorization: Bearer <admin token>.");
        }

        if (!SameSecret(authorization[scheme.Length..].Trim(), expected))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Wrong admin token");
        }

        return await next(context);
    }

    /// <summary>Compares fixed-size hashes in constant time, so neither the content nor the length of the token leaks through timing.</summary>
    private static bool SameSecret(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fault injection changed: failure rate {FailureRate}, latency {LatencyMs} ms + up to {LatencyJitterMs} ms on a fraction {LatencyRate} of calls, tenant {Tenant}")]
    private static partial void LogChanged(ILogger logger, double failureRate, int latencyMs, int latencyJitterMs, double latencyRate, string tenant);
}
