var builder = WebApplication.CreateBuilder(args);

// The public edge: baggage from outside clients never enters the suite's telemetry.
builder.AddServiceDefaults(options => options.AcceptIncomingBaggage = false);
builder.AddGateway();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapGateway();
app.Run();
