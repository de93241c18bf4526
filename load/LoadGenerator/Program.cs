using Shop.LoadGenerator;

// dotnet load/LoadGenerator/bin/Release/net10.0/Shop.LoadGenerator.dll run --rate 200 --duration 30
// dotnet load/LoadGenerator/bin/Release/net10.0/Shop.LoadGenerator.dll bench rate-at-slo | overhead | capture | pgbench
return await Commands.Build().Parse(args).InvokeAsync();
