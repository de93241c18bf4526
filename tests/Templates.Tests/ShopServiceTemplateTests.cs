using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Shop.Conventions;
using Shop.Testing;
using Xunit.Abstractions;

namespace Shop.Templates.Tests;

/// <summary>
/// <c>dotnet new shop-service</c> as templates/Shop.Templates/README.md tells a user to run it, in a copy of the
/// repository: install, generate, add to the AppHost, build, run the generated tests, run the suite, find the span.
/// </summary>
public sealed class ShopServiceTemplateTests(ITestOutputHelper output)
{
    private const string AppHostLine = """builder.AddShopService<Projects.Inventory>("inventory", dashboard, postgres, grpc: true);""";

    [Fact]
    public async Task A_generated_service_builds_passes_its_tests_and_its_server_span_is_in_the_running_suites_trace()
    {
        using var work = new TempDirectory();
        var repository = work.Combine("repo");
        var total = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        var files = RepositoryCopy.Copy(RepoPaths.Root, repository);
        output.WriteLine($"copied {files} files in {clock.Elapsed.TotalSeconds:0.0} s");
        var dotnet = new Dotnet(repository, work.Combine("template-hive"), output);

        // README "Install and generate", then "Add it to the suite", word for word.
        await dotnet.NewAsync("install", "./templates/Shop.Templates");
        var inventory = await dotnet.NewAsync("shop-service", "-n", "Inventory");
        await dotnet.NewAsync("shop-service", "-n", "Catalog", "--api", "http", "--database", "false");
        Assert.Contains(AppHostLine, inventory.StandardOutput, StringComparison.Ordinal);
        AssertGenerated(repository);
        await dotnet.RunAsync(["add", "AppHost/AppHost.csproj", "reference", "src/Inventory/Inventory.csproj"]);
        var program = Path.Combine(repository, "AppHost", "Program.cs");
        var source = await File.ReadAllTextAsync(program);
        const string Here = "// Services made with `dotnet new shop-service` go here, one line each (templates/Shop.Templates/README.md).";
        Assert.Contains(Here, source, StringComparison.Ordinal);
        await File.WriteAllTextAsync(program, source.Replace(Here, Here + "\n" + AppHostLine, StringComparison.Ordinal));

        // Only what the template added, against the copied build output of the rest (the same sources, built before this
        // test runs): Contracts (it compiles the new proto), the two services, then their tests and the AppHost. Project
        // references are not built again: in a new folder MSBuild would recompile every one of them (its compile cache
        // holds their paths): 309 s of build on a loaded 2-core machine instead of 70 to 116 s (templates/Shop.Templates/README.md).
        await BuildAsync(dotnet, repository, "src/Contracts/Contracts.csproj");
        await BuildAsync(dotnet, repository, "src/Inventory/Inventory.csproj", "src/Catalog/Catalog.csproj");
        await BuildAsync(dotnet, repository, "tests/Inventory.Tests/Inventory.Tests.csproj", "tests/Catalog.Tests/Catalog.Tests.csproj", "AppHost/AppHost.csproj");
        foreach (var tests in new[] { "tests/Inventory.Tests/Inventory.Tests.csproj", "tests/Catalog.Tests/Catalog.Tests.csproj" })
        {
            var run = await dotnet.RunAsync(["test", tests, "-c", BuiltApp.Configuration, "--no-build", "-nologo"], TimeSpan.FromMinutes(6));
            Assert.Contains("Passed!", run.StandardOutput, StringComparison.Ordinal);
        }

        clock.Restart();
        await using var suite = await AppHostProcess.StartAsync(repository, "--prometheus", "false", "--environment", "Production");
        output.WriteLine($"suite ready in {clock.Elapsed.TotalSeconds:0.0} s");
        var services = suite.Endpoints.GetProperty("services");
        Assert.True(services.TryGetProperty("inventory", out var endpoints), services.GetRawText());

        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var id = await CreateItemAsync(new Uri(endpoints.GetProperty("grpc").GetString()!), "bolt", traceId);
        Assert.Equal(7, id.Version);

        // The Shop dashboard's Jaeger API: the inventory server span, and its PostgreSQL spans, in the trace of the call.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var trace = await Eventually.GetJsonAsync(http, $"{suite.Endpoints.GetProperty("dashboard").GetString()}/api/traces/{traceId}",
            json => Spans(json).Any(s => s.Service == "inventory" && s.Kind == "server") && Spans(json).Any(s => s.Service == "inventory" && s.Scope == TelemetrySources.Npgsql),
            "the inventory server span and its PostgreSQL spans in the Shop dashboard");
        var server = Assert.Single(Spans(trace), s => s.Service == "inventory" && s.Kind == "server");
        Assert.Equal("shop.inventory.v1.InventoryService/CreateItem", server.Name);
        output.WriteLine($"span found {clock.Elapsed.TotalSeconds:0.0} s after the suite started; {total.Elapsed.TotalSeconds:0} s in all");
    }

    /// <summary>Builds <paramref name="projects"/> side by side (none references another), in the configuration the copied output has.</summary>
    private static async Task BuildAsync(Dotnet dotnet, string repository, params string[] projects)
    {
        var filter = Path.Combine(repository, "Generated.slnf");
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(new { solution = new { path = "Shop.sln", projects } }));
        await dotnet.RunAsync(
            ["build", filter, "-c", BuiltApp.Configuration, "-p:BuildProjectReferences=false", "-p:ShopReadyToRun=false", "-nodeReuse:false", "-nologo", "-clp:ErrorsOnly"],
            TimeSpan.FromMinutes(8));
    }

    private static void AssertGenerated(string repository)
    {
        foreach (var path in new[]
                 {
                     "src/Inventory/Inventory.csproj", "src/Inventory/Storage/InventoryDbContext.cs", "tests/Inventory.Tests/Inventory.Tests.csproj",
                     "src/Contracts/proto/shop/inventory/v1/inventory.proto", "src/Catalog/Catalog.csproj", "tests/Catalog.Tests/Catalog.Tests.csproj",
                 })
        {
            Assert.True(File.Exists(Path.Combine(repository, path)), $"{path} was not generated");
        }

        Assert.False(Directory.Exists(Path.Combine(repository, "src/Catalog/Storage")), "--database false generated storage");
        Assert.False(Directory.Exists(Path.Combine(repository, "src/Contracts/proto/shop/catalog")), "--api http generated a proto");
        var generated = new[] { "src/Inventory", "src/Catalog", "tests/Inventory.Tests", "tests/Catalog.Tests", "src/Contracts/proto/shop/inventory" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(repository, dir), "*", SearchOption.AllDirectories));
        Assert.DoesNotContain(generated, file => File.ReadAllText(file).Contains("templateservice", StringComparison.OrdinalIgnoreCase));
        var solution = File.ReadAllText(Path.Combine(repository, "Shop.sln"));
        Assert.Contains("Inventory.Tests.csproj", solution, StringComparison.Ordinal);
        Assert.Contains("Catalog.Tests.csproj", solution, StringComparison.Ordinal);
    }

    /// <summary>Calls shop.inventory.v1.InventoryService/CreateItem in trace <paramref name="traceId"/>; the new item's id.</summary>
    /// <remarks>The test is compiled before Inventory exists, so the call is made with the method's name and protobuf bytes.</remarks>
    private static async Task<Guid> CreateItemAsync(Uri address, string name, string traceId)
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.Unary, "shop.inventory.v1.InventoryService", "CreateItem", bytes, bytes);
        byte[] request = [0x0A, (byte)name.Length, .. Encoding.UTF8.GetBytes(name)]; // field 1 (name), length-delimited
        using var channel = GrpcChannel.ForAddress(address);
        var headers = new Metadata { { "traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01" } };
        var reply = await channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(60)), request);
        Assert.Equal(0x0A, reply[0]); // field 1 (id), then its length
        return Guid.Parse(Encoding.UTF8.GetString(reply, 2, reply[1]));
    }

    private static IEnumerable<(string Service, string Name, string? Kind, string? Scope)> Spans(JsonElement jaeger)
    {
        var trace = jaeger.GetProperty("data")[0];
        var processes = trace.GetProperty("processes");
        return trace.GetProperty("spans").EnumerateArray().Select(span => (
            processes.GetProperty(span.GetProperty("processID").GetString()!).GetProperty("serviceName").GetString()!,
            span.GetProperty("operationName").GetString()!,
            Tag(span, "span.kind"),
            Tag(span, "otel.scope.name")));
    }

    private static string? Tag(JsonElement span, string key) =>
        span.GetProperty("tags").EnumerateArray().Where(t => t.GetProperty("key").GetString() == key).Select(t => t.GetProperty("value").GetString()).FirstOrDefault();
}
