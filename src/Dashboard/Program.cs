using Shop.Dashboard.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (!builder.AddDashboard(out var problem))
{
    await Console.Error.WriteLineAsync($"Dashboard cannot start: {problem}");
    return 1;
}

var app = builder.Build();
app.MapDashboard();
await app.RunAsync();
return 0;
