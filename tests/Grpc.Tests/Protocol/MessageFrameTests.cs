using Shop.Grpc.Tests.Interop;

namespace Shop.Grpc.Tests.Protocol;

public sealed class MessageFrameTests
{
    private static readonly Google.Protobuf.MessageParser<EchoRequest> Parser = EchoRequest.Parser;

    [Fact]
    public void Frame_is_compressed_flag_then_big_endian_length_then_message()
    {
        var frame = MessageFrame.Encode(new EchoRequest { Text = "hi" });

        Assert.Equal(new byte[] { 0, 0, 0, 0, 4, 0x0A, 2, (byte)'h', (byte)'i' }, frame);
    }

    [Fact]
    public void Length_above_255_uses_every_byte_of_the_prefix()
    {
        var frame = MessageFrame.Encode(new EchoRequest { Text = new string('a', 70_000) });

        // 70,004 bytes: a tag byte, a 3-byte length varint and the text.
        Assert.Equal(new byte[] { 0, 0, 1, 0x11, 0x74 }, frame[..5]);
        Assert.Equal(70_004 + 5, frame.Length);
    }

    [Fact]
    public async Task Reads_the_message_back()
    {
        var message = await ReadAsync(MessageFrame.Encode(new EchoRequest { Text = "round trip" }));

        Assert.Equal("round trip", message!.Text);
    }

    [Fact]
    public async Task Reads_a_message_that_arrives_one_byte_at_a_time()
    {
        // DATA frame boundaries have no relation to message boundaries.
        using var stream = new TrickleStream(MessageFrame.Encode(new EchoRequest { Text = "split" }));

        var message = await MessageFrame.ReadSingleAsync(stream, Parser, 1024, CancellationToken.None);

        Assert.Equal("split", message!.Text);
    }

    [Fact]
    public async Task Empty_stream_holds_no_message() => Assert.Null(await ReadAsync([]));

    [Fact]
    public async Task Message_over_the_limit_is_RESOURCE_EXHAUSTED_before_it_is_read()
    {
        var header = new byte[] { 0, 0, 0, 0, 100 };

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(header, maxLength: 99));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 5, 0x0A })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 7, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x0A, 9 })]
    public async Task Truncated_compressed_or_unparsable_input_is_INTERNAL(byte[] input)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(input));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Second_message_in_a_unary_call_is_UNIMPLEMENTED()
    {
        var one = MessageFrame.Encode(new EchoRequest { Text = "one" });

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAsync([.. one, .. one]));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    private static async Task<EchoRequest?> ReadAsync(byte[] input, int maxLength = 1024)
    {
        using var stream = new MemoryStream(input);
        return await MessageFrame.ReadSingleAsync(stream, Parser, maxLength, CancellationToken.None);
    }

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
