var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPayments();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapPayments();
app.Run();
