using System.Text.Json;
using Shop.LoadGenerator.Privacy;

namespace Shop.LoadGenerator.Tests;

public sealed class PiiScannerTests
{
    private static readonly PiiScanner Scanner = new(["Ada Lovelace", "Grace Brewster Hopper"], ["ada-7f3c9e21@example.com"]);

    private static IReadOnlyList<PiiFinding> Scan(string text) => Scanner.Scan("test", "here", text);

    [Theory]
    [InlineData("user created: ada.lovelace@example.com")]
    [InlineData("GET /api/users?email=ada.lovelace%40example.co.uk HTTP/1.1")]
    [InlineData("{\"email\":\"First.Last+tag@mail.example.org\"}")]
    public void An_email_address_is_found(string text)
    {
        var finding = Assert.Single(Scan(text));
        Assert.Equal(PiiKind.Email, finding.Kind);
    }

    [Fact]
    public void The_local_part_of_a_sent_address_alone_is_found()
    {
        Assert.Equal(PiiKind.Email, Assert.Single(Scan("looked up user ada-7f3c9e21 (domain masked)")).Kind);
        Assert.Empty(Scan("looked up user ada-7f3c9e22"));
    }

    [Theory]
    [InlineData("card 4111111111111111 charged")]
    [InlineData("card 4111 1111 1111 1111 charged")]
    [InlineData("card=5500-0000-0000-0004")]
    [InlineData("amex 378282246310005")]
    [InlineData("amex 3782 822463 10005")]
    [InlineData("mastercard 2234567890123468")]
    public void A_card_like_number_that_passes_Luhn_is_found(string text)
    {
        var finding = Assert.Single(Scan(text));
        Assert.Equal(PiiKind.CardNumber, finding.Kind);
    }

    [Theory]
    [InlineData("card 4111111111111112 charged")]
    [InlineData("card 4111 1111 1111 1112")]
    [InlineData("run of 123456789012345678901 digits")]
    [InlineData("parent 0000000000000000, card 0000 0000 0000 0000")]
    public void A_digit_run_that_fails_Luhn_or_is_too_long_is_not_a_card(string text) => Assert.Empty(Scan(text));

    [Theory]
    [InlineData("Ada Lovelace registered")]
    [InlineData("name=ada+lovelace")]
    [InlineData("q=Ada%20Lovelace")]
    [InlineData("{\"name\":\"GRACE  Brewster Hopper\"}")]
    public void A_full_name_the_client_sent_is_found(string text)
    {
        var finding = Assert.Single(Scan(text));
        Assert.Equal(PiiKind.FullName, finding.Kind);
    }

    [Theory]
    [InlineData("Ada registered; Lovelace is a surname")]
    [InlineData("AdaLovelace")]
    [InlineData("Adam Lovelaces")]
    public void Parts_of_a_name_or_other_names_are_not_findings(string text) => Assert.Empty(Scan(text));

    // 4111111111111111 passes Luhn: as an id in its usual places it must not count as a card.
    [Theory]
    [InlineData("2026-12-05T11:32:30.123Z info Shop.Orders[3] trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=4111111111111111 Order stored")]
    [InlineData("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-4111111111111111-01")]
    [InlineData("# {trace_id=\"41111111111111114111111111111111\",span_id=\"4111111111111111\"} 0.0123 1764934350.125")]
    [InlineData("order 41111111-1111-1111-1111-111111111111 paid, user 8c5e2a4f-1d3b-4c6e-9f0a-4111111111111111")]
    [InlineData("trace 4111111111111111abcdef0123456789")]
    [InlineData("started 1764934350125 ms, 1764934350123463 µs, 1764934350123456790 ns")]
    [InlineData("http_server_request_duration_seconds_sum{http_route=\"/api/orders\"} 12.1234567890123452 1764934350125")]
    [InlineData("duration 1234567 µs on http://localhost:5080 and 127.0.0.1:16686, job users:5101")]
    [InlineData("assembly Shop.Orders@1.2.3, image postgres@sha256 and user@localhost")]
    public void Ids_timestamps_durations_decimals_and_ports_are_not_findings(string text) => Assert.Empty(Scan(text));

    [Fact]
    public void Json_ids_under_id_keys_are_skipped_and_attribute_keys_name_the_location()
    {
        using var span = JsonDocument.Parse("""
            {"traceID":"00000000000000004111111111111111","spanID":"4111111111111111","startTime":1764934350123463,"duration":1532,
             "references":[{"refType":"CHILD_OF","traceID":"00000000000000004111111111111111","spanID":"5500000000000004"}],
             "tags":[{"key":"order.id","type":"string","value":"41111111-1111-1111-1111-111111111111"},
                     {"key":"user.email","type":"string","value":"ada@example.com"},
                     {"key":"card","type":"int64","value":4111111111111111}],
             "attributes":[{"key":"ParentId","value":{"stringValue":"4111111111111111"}},{"key":"note","value":{"stringValue":"4111111111111111"}}]}
            """);

        var findings = Scanner.ScanJson("shop-dashboard traces", "span 1", span.RootElement);

        Assert.Collection(findings.OrderBy(f => f.Kind),
            f => Assert.Equal(("span 1.tags[1][user.email].value", PiiKind.Email), (f.Location, f.Kind)),
            f => Assert.Equal(("span 1.tags[2][card].value", PiiKind.CardNumber), (f.Location, f.Kind)),
            f => Assert.Equal(("span 1.attributes[1][note].value.stringValue", PiiKind.CardNumber), (f.Location, f.Kind)));
    }

    [Fact]
    public void An_excerpt_shows_the_context_but_never_the_value()
    {
        var findings = Scan("Created user Ada Lovelace <ada.lovelace@example.com>, card 4111 1111 1111 1111 on file");

        Assert.Equal([PiiKind.FullName, PiiKind.Email, PiiKind.CardNumber], findings.Select(f => f.Kind));
        Assert.All(findings, f =>
        {
            Assert.DoesNotContain("Lovelace", f.Excerpt, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("lovelace@", f.Excerpt, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("4111 1111", f.Excerpt, StringComparison.Ordinal);
        });
        Assert.StartsWith("Created user A*** L*** <a***@***>, card [card ****1111]", findings[0].Excerpt, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_counts_each_kind_and_the_sources_that_gave_items()
    {
        var result = new PiiScanResult(
            [new PiiFinding(PiiKind.Email, "a", "x", "…"), new PiiFinding(PiiKind.FullName, "b", "y", "…"), new PiiFinding(PiiKind.FullName, "b", "z", "…")],
            new Dictionary<string, long> { ["a"] = 10, ["b"] = 5, ["c"] = 0 }, []);

        Assert.Equal("pii: 1 e-mail addresses, 0 card-like numbers, 2 full names in 15 items from 2 sources", result.Summary);
    }
}
