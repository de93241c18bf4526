using Shop.Dashboard.Query;
using Shop.Dashboard.Ui;

namespace Shop.Dashboard.Hosting;

/// <summary>
/// Per request, after routing: an endpoint answers only on its own listener's port (404 elsewhere), and
/// with an API key set, query endpoints need the key (API: 401 in Jaeger's error shape; pages: the login form).
/// </summary>
internal static class DashboardSecurity
{
    public static IApplicationBuilder UseDashboardSecurity(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var endpoint = http.GetEndpoint();
        var role = endpoint?.Metadata.GetMetadata<ListenerRole>();
        if (role is not null && !http.RequestServices.GetRequiredService<Listeners>().Serves(http.Connection.LocalPort, role))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (role == ListenerRole.Query && endpoint!.Metadata.GetMetadata<PublicEndpoint>() is null
            && !http.RequestServices.GetRequiredService<ApiKeyCheck>().QueryAllowed(http))
        {
            if (http.Request.Path.StartsWithSegments("/api"))
            {
                await JaegerApi.Error(http, StatusCodes.Status401Unauthorized, $"missing or wrong {ApiKeyCheck.ApiHeader} header or session");
            }
            else
            {
                http.Response.Redirect("/login?returnUrl=" + Uri.EscapeDataString(http.Request.Path + http.Request.QueryString));
            }

            return;
        }

        await next(http);
    });
}
