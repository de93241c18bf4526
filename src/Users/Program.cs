var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddUsers();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapUsers();
app.Run();
