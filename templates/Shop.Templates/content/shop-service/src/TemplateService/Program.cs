var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTemplateService();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTemplateService();
app.Run();
