using Microsoft.Playwright;

namespace Shop.Dashboard.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium) driven by Playwright for .NET; no browser is ever downloaded.
/// test.sh installs chromium with apt-get when it is missing.
/// </summary>
public sealed class DashboardBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: apt-get install -y chromium (test.sh does it).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context and page on <paramref name="baseUrl"/>, failing the test on any script error.</summary>
    public async Task<DashboardPage> OpenAsync(string baseUrl)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return new DashboardPage(context, page);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>
/// The dashboard UI as a test sees it: the steps a person takes (search a service's traces, open one,
/// read the waterfall, open its logs, open a trace by URL or by pasting a traceresponse header).
/// The end-to-end checkout test (a trace with spans of gateway, users, orders and payments) uses the
/// same steps once those services exist.
/// </summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    public DashboardPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        Page.PageError += (_, error) => _errors.Add(error);
        Page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _errors.Add(message.Text);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Uncaught script errors and console errors seen so far.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Searches the traces of <paramref name="service"/> (optionally one operation) in the last hour; returns the result rows.</summary>
    public async Task<ILocator> SearchTracesAsync(string service, string? operation = null)
    {
        await Page.GotoAsync("/search");
        await Page.Locator("#search-service").SelectOptionAsync(service);
        if (operation is not null)
        {
            await Page.Locator($"#search-operation option[value=\"{operation}\"]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await Page.Locator("#search-operation").SelectOptionAsync(operation);
        }

        await Page.Locator("#search-lookback").SelectOptionAsync("1h");
        await Page.Locator("#search-submit").ClickAsync();
        var rows = Page.Locator(".trace-row");
        await rows.First.WaitForAsync();
        return rows;
    }

    /// <summary>Clicks the search result of <paramref name="traceId"/> and waits for its waterfall.</summary>
    public async Task OpenTraceFromResultsAsync(string traceId)
    {
        await Page.Locator($".trace-link[data-trace-id=\"{traceId}\"]").ClickAsync();
        await WaitForWaterfallAsync(traceId);
    }

    /// <summary>Opens /trace/{id} directly, as a link from a traceresponse header would.</summary>
    public async Task OpenTraceByUrlAsync(string traceId)
    {
        await Page.GotoAsync($"/trace/{traceId}");
        await WaitForWaterfallAsync(traceId);
    }

    /// <summary>Pastes <paramref name="text"/> (a trace id or traceresponse value) into the header box.</summary>
    public async Task OpenTraceFromBoxAsync(string text, string expectedTraceId)
    {
        await Page.Locator("#trace-lookup-input").FillAsync(text);
        await Page.Locator("#trace-lookup-input").PressAsync("Enter");
        await WaitForWaterfallAsync(expectedTraceId);
    }

    /// <summary>The waterfall's rows as (service, operation).</summary>
    public async Task<List<(string Service, string Operation)>> WaterfallSpansAsync()
    {
        var rows = Page.Locator(".span-row");
        var result = new List<(string, string)>();
        for (var i = 0; i < await rows.CountAsync(); i++)
        {
            var row = rows.Nth(i);
            result.Add(((await row.GetAttributeAsync("data-service"))!, await row.Locator(".operation").InnerTextAsync()));
        }

        return result;
    }

    /// <summary>
    /// Saves a full-page screenshot as TestResults/screenshots/<paramref name="name"/>.png under the repository (the
    /// directory ./test.sh collects its reports in) and returns its path, for a reader of the test output.
    /// </summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root.Parent is not null && !File.Exists(Path.Combine(root.FullName, "Shop.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root.FullName, "TestResults", "screenshots", $"{name}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Each service's colour in the waterfall (its span rows' dot, as the browser computed it) and the error colour.</summary>
    public async Task<(Dictionary<string, string> Services, string Error)> WaterfallColorsAsync()
    {
        var colors = await Page.EvaluateAsync<string[][]>(
            "() => [...document.querySelectorAll('.span-row')].map(row => [row.dataset.service, getComputedStyle(row.querySelector('.service-dot')).backgroundColor])");
        var error = await Page.EvaluateAsync<string>(
            "() => { const probe = document.createElement('span'); probe.style.color = 'var(--error)'; document.body.append(probe); const c = getComputedStyle(probe).color; probe.remove(); return c; }");
        return (colors.GroupBy(c => c[0]).ToDictionary(g => g.Key, g => g.First()[1]), error);
    }

    /// <summary>Selects a span row and returns its detail panel.</summary>
    public async Task<ILocator> OpenSpanAsync(string operation)
    {
        await Page.Locator(".span-row", new() { Has = Page.Locator(".operation", new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(operation)}$") }) }).First.ClickAsync();
        var details = Page.Locator(".span-details");
        await details.WaitForAsync();
        return details;
    }

    /// <summary>Switches to the trace's Logs tab and returns the log rows.</summary>
    public async Task<ILocator> OpenTraceLogsAsync()
    {
        await Page.Locator("#tab-logs").ClickAsync();
        var rows = Page.Locator(".log-table tbody tr");
        await rows.First.WaitForAsync();
        return rows;
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    private async Task WaitForWaterfallAsync(string traceId)
    {
        await Page.WaitForURLAsync($"**/trace/{traceId}**");
        await Page.Locator(".span-row").First.WaitForAsync();
        await Assertions.Expect(Page.Locator("#trace-id")).ToHaveTextAsync(traceId);
    }
}
