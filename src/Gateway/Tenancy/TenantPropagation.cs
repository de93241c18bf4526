using System.Text.RegularExpressions;
using Shop.Conventions;

namespace Shop.Gateway.Tenancy;

/// <summary>
/// X-Tenant-Id becomes W3C baggage tenant.id on the request's span. The gateway drops baggage from
/// outside, so this is the only way a tenant enters the suite; the baggage travels with every call
/// (gRPC metadata, HTTP headers) and each service copies it onto all its spans, database spans included.
/// </summary>
internal static partial class TenantPropagation
{
    public static IApplicationBuilder UseTenantFromHeader(this IApplicationBuilder app) =>
        app.Use(static async (context, next) =>
        {
            if (!context.Request.Headers.TryGetValue(ShopHeaders.TenantId, out var values))
            {
                await next(context);
                return;
            }

            var tenant = values.ToString();
            if (!TenantPattern().IsMatch(tenant))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                // TryWriteAsync: a client whose Accept rules out JSON gets the 400 alone (WriteAsync would throw: a 500).
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Title = "Invalid tenant",
                        Detail = $"{ShopHeaders.TenantId} must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
                    },
                });
                return;
            }

            var activity = context.Features.Get<IHttpActivityFeature>()?.Activity;
            activity?.SetBaggage(TelemetryAttributes.TenantId, tenant);
            // OpenTelemetry's instrumentations propagate its Baggage.Current, not the Activity's baggage.
            OpenTelemetry.Baggage.SetBaggage(TelemetryAttributes.TenantId, tenant);
            activity?.SetTag(TelemetryAttributes.TenantId, tenant);
            await next(context);
        });

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex TenantPattern();
}
