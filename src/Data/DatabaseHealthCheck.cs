using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry;

namespace Shop.Data;

/// <summary>
/// Readiness: the database answers a trivial query within a short time. Probes are not traffic: the query is
/// never traced, whether /health, the gRPC health service or the health publisher's timer runs it.
/// </summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            // A pooled connection opens without a round trip; the query proves the server still answers.
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The reason, never the connection string: health answers may be read by anyone who can reach the port.
            return HealthCheckResult.Unhealthy(e is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.GetType().Name);
        }
    }
}
