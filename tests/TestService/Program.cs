using System.Diagnostics;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(options => options.AcceptIncomingBaggage = builder.Configuration.GetValue("AcceptIncomingBaggage", true));
builder.Services.AddHttpClient();

var app = builder.Build();
app.MapDefaultEndpoints();

app.MapGet("/items/{id}", (string id, ILogger<Program> logger) =>
{
    logger.LogInformation("Item {ItemId} read", id);
    return Results.Ok(new { id, baggage = Activity.Current?.Baggage.ToDictionary(b => b.Key, b => b.Value) });
});

// Calls /items/{id} on this same service over HttpClient: a client span and a second server span.
app.MapGet("/relay/{id}", async (string id, HttpContext context, IHttpClientFactory clients) =>
{
    Activity.Current?.SetBaggage("tenant.id", "relay-tenant");
    var self = $"{context.Request.Scheme}://{context.Request.Host}";
    return Results.Text(await clients.CreateClient().GetStringAsync($"{self}/items/{id}"), "application/json");
});

app.MapGet("/boom", string () => throw new InvalidOperationException("secret detail that must not leave the server"));
app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));

app.Run();
