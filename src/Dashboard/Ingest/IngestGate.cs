using Microsoft.Extensions.Options;

namespace Shop.Dashboard.Ingest;

/// <summary>
/// Bounds the export requests decoded at once (and so the memory their bodies take). Later requests
/// wait, unread, in the socket; one that waits longer than <see cref="MaxWait"/> is refused so the
/// client retries later (HTTP 503, gRPC UNAVAILABLE).
/// </summary>
internal sealed class IngestGate(IOptions<DashboardOptions> options) : IDisposable
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentIngest, options.Value.MaxConcurrentIngest);

    public Task<bool> EnterAsync(CancellationToken cancellationToken) => _slots.WaitAsync(MaxWait, cancellationToken);

    public void Exit() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
