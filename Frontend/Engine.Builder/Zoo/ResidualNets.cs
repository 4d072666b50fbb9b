namespace Engine.Builder.Zoo;

/// <summary>ResNet (basic blocks with projection shortcuts) and DenseNet (dense blocks with transitions).</summary>
public static class ResidualNets
{
    private static SymbolicTensor ConvBn(SymbolicTensor x, int c, int k, int s, bool relu = true)
    {
        var y = new BatchNormalization().Call(new Conv2D(c, k, stride: s, padding: (k - 1) / 2, useBias: false).Call(x));
        return relu ? new ReLU().Call(y) : y;
    }

    /// <summary>ResNet basic block: two 3×3 conv-BN, identity or 1×1 projection shortcut, ReLU after the sum.</summary>
    public static SymbolicTensor BasicBlock(SymbolicTensor x, int width, int stride)
    {
        var y = ConvBn(ConvBn(x, width, 3, stride), width, 3, 1, relu: false);
        var shortcut = stride != 1 || x.Dim(1) != width ? ConvBn(x, width, 1, stride, relu: false) : x;
        return new ReLU().Call(new Add().Call(y, shortcut));
    }

    /// <summary>ResNet-18 layout (2-2-2-2 basic blocks, widths 64…512 × Width) with a small-image stem (3×3, no max pool).</summary>
    public static Model ResNet18(ZooOptions o)
    {
        var x = Input.Of(o.InputShape);
        var h = ConvBn(x, o.Scaled(64), 3, 1);
        foreach (var (width, stride) in new[] { (64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1) })
            h = BasicBlock(h, o.Scaled(width), stride);
        var y = new Dense(o.Classes).Call(new GlobalAveragePool().Call(h));
        return new Model(x, y, "resnet18");
    }

    /// <summary>DenseNet block: each BN-ReLU-conv layer's output is concatenated to all previous feature maps.</summary>
    public static SymbolicTensor DenseBlock(SymbolicTensor x, int layers, int growth)
    {
        for (int i = 0; i < layers; i++)
        {
            var y = new Conv2D(growth, 3, padding: 1).Call(new ReLU().Call(new BatchNormalization().Call(x)));
            x = new Concatenate().Call(x, y);
        }
        return x;
    }

    /// <summary>Transition: BN-ReLU, 1×1 conv to halve the channels, 2×2 average pooling.</summary>
    public static SymbolicTensor Transition(SymbolicTensor x, int channels) =>
        new AvgPool2D(2).Call(new Conv2D(channels, 1).Call(new ReLU().Call(new BatchNormalization().Call(x))));

    public static Model DenseNet(ZooOptions o)
    {
        var x = Input.Of(o.InputShape);
        var h = new Conv2D(o.Scaled(32), 3, padding: 1).Call(x);
        int growth = o.Scaled(16);
        for (int b = 0; b < 3; b++)
        {
            h = DenseBlock(h, 4, growth);
            if (b < 2) h = Transition(h, (int)h.Dim(1) / 2);
        }
        h = new ReLU().Call(new BatchNormalization().Call(h));
        var y = new Dense(o.Classes).Call(new GlobalAveragePool().Call(h));
        return new Model(x, y, "densenet");
    }
}
