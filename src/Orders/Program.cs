var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddOrders();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapOrders();
app.Run();
