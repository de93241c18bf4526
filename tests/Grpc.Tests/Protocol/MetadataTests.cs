using Microsoft.Extensions.Primitives;

namespace Shop.Grpc.Tests.Protocol;

public sealed class MetadataTests
{
    [Fact]
    public void Keys_are_lowercased_and_looked_up_case_insensitively()
    {
        var metadata = new Metadata { { "X-Tenant-Id", "t-1" } };

        Assert.Equal("x-tenant-id", metadata.Single().Key);
        Assert.Equal("t-1", metadata.GetValue("X-TENANT-ID"));
    }

    [Theory]
    [InlineData("x tenant")]
    [InlineData("x/tenant")]
    [InlineData(":path")]
    [InlineData("")]
    public void Keys_outside_the_spec_alphabet_are_rejected(string key) =>
        Assert.ThrowsAny<ArgumentException>(() => new Metadata { { key, "v" } });

    [Fact]
    public void Text_values_must_be_printable_ASCII() =>
        Assert.Throws<ArgumentException>(() => new Metadata { { "x-name", "Jürgen" } });

    [Fact]
    public void Binary_values_need_a_bin_key_and_text_values_must_not_have_one()
    {
        Assert.Throws<ArgumentException>(() => new Metadata { { "x-data", new byte[] { 1 } } });
        Assert.Throws<ArgumentException>(() => new Metadata { { "x-data-bin", "text" } });
    }

    [Fact]
    public void Binary_values_are_sent_as_unpadded_base64() =>
        Assert.Equal(
            [KeyValuePair.Create("x-data-bin", "AQI")],
            new Metadata { { "x-data-bin", new byte[] { 1, 2 } } }.ToHeaders());

    [Fact]
    public void Received_headers_become_metadata_without_the_protocol_headers()
    {
        var metadata = Metadata.FromHeaders(new Dictionary<string, StringValues>
        {
            ["content-type"] = "application/grpc",
            ["grpc-timeout"] = "1S",
            ["te"] = "trailers",
            ["x-tenant-id"] = "t-1",
            // Padded and unpadded base64, and two values joined with a comma.
            ["x-data-bin"] = new[] { "AQI=", "AwQ,BQ" },
        });

        Assert.Equal(["x-tenant-id", "x-data-bin", "x-data-bin", "x-data-bin"], metadata.Select(e => e.Key));
        Assert.Equal([[1, 2], [3, 4], [5]], metadata.GetAll("x-data-bin").Select(e => e.ValueBytes!));
    }
}
