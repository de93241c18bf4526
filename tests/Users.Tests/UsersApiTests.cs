using Microsoft.EntityFrameworkCore;
using Shop.Conventions;
using Grpc.Core;

namespace Shop.Users.Tests;

public sealed class UsersApiTests(UsersService users) : IClassFixture<UsersService>
{
    private readonly UsersClient _client = users.Client;

    [Fact]
    public async Task Creating_a_user_stores_the_email_trimmed_and_lower_cased_under_a_new_UUIDv7()
    {
        var email = UniqueEmail();

        var user = await _client.CreateAsync("  Ada Lovelace ", "  " + email.ToUpperInvariant() + " ");

        Assert.Equal(7, Guid.Parse(user.Id).Version);
        Assert.Equal("Ada Lovelace", user.Name);
        Assert.Equal(email, user.Email);
        Assert.True(user.CreatedAt.ToDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(user, await _client.GetAsync(user.Id));
    }

    [Fact]
    public async Task Creating_a_user_with_a_taken_email_is_ALREADY_EXISTS()
    {
        var email = UniqueEmail();
        await _client.CreateAsync("First", email);

        var e = await Assert.ThrowsAsync<RpcException>(() => _client.CreateAsync("Second", email.ToUpperInvariant()));

        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
        Assert.StartsWith("email:", e.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(email, e.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_email_create_exactly_one_user()
    {
        var email = UniqueEmail();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await _client.CreateAsync($"Racer {i}", email);
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }));

        Assert.Single(attempts, code => code == StatusCode.OK);
        Assert.All(attempts.Where(code => code != StatusCode.OK), code => Assert.Equal(StatusCode.AlreadyExists, code));
        await using var db = UsersService.OpenDatabase(users.Database.ConnectionString);
        Assert.Equal(1, await db.Users.CountAsync(u => u.Email == email));
        // A taken email is an answer, not a failure: nothing is logged as an error.
        Assert.DoesNotContain(users.Process.Output, line => line.Contains(" fail ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "ann@example.com", "name:")]
    [InlineData("   ", "ann@example.com", "name:")]
    [InlineData("Ann\u0007", "ann@example.com", "name:")]
    [InlineData("Ann\nSmith", "ann@example.com", "name:")]
    [InlineData("Ann", "", "email:")]
    [InlineData("Ann", "ann", "email:")]
    [InlineData("Ann", "ann@", "email:")]
    [InlineData("Ann", "@example.com", "email:")]
    [InlineData("Ann", "ann@example", "email:")]
    [InlineData("Ann", "ann@@example.com", "email:")]
    [InlineData("Ann", "ann smith@example.com", "email:")]
    [InlineData("Ann", "ann..smith@example.com", "email:")]
    [InlineData("Ann", "ann@-example.com", "email:")]
    [InlineData("Ann", "Ann <ann@example.com>", "email:")]
    public async Task Invalid_input_is_INVALID_ARGUMENT_naming_the_field(string name, string email, string field)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _client.CreateAsync(name, email));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith(field, e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_and_emails_have_length_limits()
    {
        var longName = await Assert.ThrowsAsync<RpcException>(() => _client.CreateAsync(new string('n', 201), UniqueEmail()));
        var longEmail = await Assert.ThrowsAsync<RpcException>(() => _client.CreateAsync("Ann", new string('a', 64) + "@" + new string('d', 63) + "." + new string('e', 63) + "." + new string('f', 63) + ".com"));

        Assert.Equal("name: must be 1 to 200 characters", longName.Status.Detail);
        Assert.Equal("email: must be at most 254 characters", longEmail.Status.Detail);
        Assert.Equal(200, (await _client.CreateAsync(new string('n', 200), UniqueEmail())).Name.Length);
    }

    [Fact]
    public async Task Getting_a_user_by_something_that_is_not_a_UUID_is_INVALID_ARGUMENT()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _client.GetAsync("42"));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("id:", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Getting_an_unknown_user_is_NOT_FOUND()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _client.GetAsync(Guid.NewGuid().ToString()));

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task Listing_pages_through_every_user_once_in_creation_order()
    {
        for (var i = 0; i < 5; i++)
        {
            await _client.CreateAsync($"Lister {i}", UniqueEmail());
        }

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await _client.ListAsync(pageSize: 2, token);
            Assert.InRange(page.Users.Count, 1, 2);
            seen.AddRange(page.Users.Select(u => u.Id));
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        await using var db = UsersService.OpenDatabase(users.Database.ConnectionString);
        Assert.Equal(await db.Users.CountAsync(), seen.Count);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(seen.OrderBy(Guid.Parse).Select(g => g), seen);
    }

    [Fact]
    public async Task Listing_with_a_negative_page_size_or_a_foreign_token_is_INVALID_ARGUMENT()
    {
        var size = await Assert.ThrowsAsync<RpcException>(() => _client.ListAsync(-1));
        var token = await Assert.ThrowsAsync<RpcException>(() => _client.ListAsync(10, "not-a-token"));

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (size.StatusCode, token.StatusCode));
        Assert.StartsWith("page_size:", size.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("page_token:", token.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_and_emails_stay_out_of_spans_and_logs_while_the_user_id_is_on_the_server_span()
    {
        var name = $"Secret Name {Guid.NewGuid():N}";
        var email = UniqueEmail();

        var user = await _client.CreateAsync(name, email);
        await Assert.ThrowsAsync<RpcException>(() => _client.CreateAsync(name, email));

        var server = (await users.Telemetry.WaitForSpans(s => s.ServiceName == "users" && Equals(s[TelemetryAttributes.UserId], user.Id)))[0];
        Assert.Equal("shop.users.v1.UsersService/CreateUser", server.Name);
        await users.Telemetry.WaitForSpans(s => s.ServiceName == "users" && s.Scope == TelemetrySources.Npgsql && s.TraceId == server.TraceId);
        await users.Telemetry.WaitFor(r => r.Logs.FirstOrDefault(l => l.Body.Contains(user.Id, StringComparison.Ordinal)), what: "the creation log");
        var everything = users.Telemetry.Spans.SelectMany(s => s.Attributes.Values.Append(s.Name).Append(s.Span.Status?.Message))
            .Concat(users.Telemetry.Logs.SelectMany(l => l.Attributes.Values.Append(l.Body)))
            .Select(value => value?.ToString() ?? "");
        Assert.DoesNotContain(everything, text => text.Contains("Secret Name", StringComparison.Ordinal) || text.Contains(email, StringComparison.OrdinalIgnoreCase));
    }

    private static string UniqueEmail() => $"user-{Guid.NewGuid():N}@example.com";
}
