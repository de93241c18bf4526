using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Shop.Contracts;
using Shop.Gateway.Dependencies;
using Shop.Gateway.Users;
using Grpc.Core;

namespace Shop.Gateway.Tests;

public sealed class ContractsTests
{
    [Theory]
    [InlineData("12.50", "EUR", 1250L)]
    [InlineData("1000", "JPY", 1000L)]
    [InlineData("1.234", "KWD", 1234L)]
    [InlineData("0.001", "EUR", null)]
    public void Amounts_convert_to_minor_units_of_their_currency(string amount, string currency, long? minor) =>
        Assert.Equal(minor, Currencies.ToMinorUnits(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency));

    [Fact]
    public void Lower_case_and_unknown_codes_are_not_currencies()
    {
        Assert.False(Currencies.IsKnown("eur"));
        Assert.False(Currencies.IsKnown("XYZ"));
        Assert.True(Currencies.IsKnown("EUR"));
    }

    [Theory]
    [InlineData("email: must be a valid address", "email", "must be a valid address")]
    [InlineData("something went wrong: badly", "", "something went wrong: badly")]
    public void Field_errors_are_read_from_status_details(string detail, string field, string message) =>
        Assert.Equal(new FieldError(field, message), FieldError.FromDetail(detail));

    [Fact]
    public void Dependency_failures_map_to_503_504_and_502()
    {
        Assert.Equal(503, Status(new RpcException(new Status(StatusCode.Unavailable, "down"))));
        Assert.Equal(503, Status(new HttpRequestException("refused")));
        Assert.Equal(503, Status(new BrokenCircuitException()));
        Assert.Equal(503, Status(new RateLimiterRejectedException()));
        Assert.Equal(503, Status(new TransientHttpStatusException("orders", 503)));
        Assert.Equal(504, Status(new RpcException(new Status(StatusCode.DeadlineExceeded, "slow"))));
        Assert.Equal(504, Status(new Polly.Timeout.TimeoutRejectedException()));
        Assert.Equal(502, Status(new RpcException(new Status(StatusCode.Internal, "bug"))));
    }

    [Fact]
    public void Only_unavailable_and_deadline_exceeded_are_transient_for_grpc()
    {
        Assert.True(UsersResilience.IsTransient(new RpcException(new Status(StatusCode.Unavailable, ""))));
        Assert.True(UsersResilience.IsTransient(new RpcException(new Status(StatusCode.DeadlineExceeded, ""))));
        Assert.False(UsersResilience.IsTransient(new RpcException(new Status(StatusCode.NotFound, ""))));
        Assert.False(UsersResilience.IsTransient(new RpcException(new Status(StatusCode.InvalidArgument, ""))));
    }

    private static int Status(Exception inner) => DependencyFailureFilter.Describe(new DependencyException("users", inner)).Status;
}
