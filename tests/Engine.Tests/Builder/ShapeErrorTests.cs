using Engine.Builder;
using Xunit;
using BAdd = Engine.Builder.Add;

namespace Engine.Tests.Builder;

/// <summary>A wrong shape fails at build time, on the line that adds the layer, naming the layer and both shapes.</summary>
public class ShapeErrorTests
{
    [Fact]
    public void Shared_dense_called_on_other_width_names_layer_and_shapes()
    {
        var dense = new Dense(8, name: "shared");
        var a = Input.Of(16);
        var b = Input.Of(12);
        dense.Call(a);
        var e = Assert.Throws<BuildException>(() => dense.Call(b));
        Assert.Contains("'shared'", e.Message);
        Assert.Contains("16", e.Message);
        Assert.Contains("12", e.Message);
    }

    [Fact]
    public void Conv_on_flat_input_fails_on_add()
    {
        var m = new Sequential([64]);
        var e = Assert.Throws<BuildException>(() => m.Add(new Conv2D(4, 3, name: "c1")));
        Assert.Contains("'c1'", e.Message);
        Assert.Contains("[N,64]", e.Message);
    }

    [Fact]
    public void Add_of_mismatched_shapes_names_both()
    {
        var a = Input.Of(4, 8, 8);
        var b = Input.Of(6, 8, 8);
        var e = Assert.Throws<BuildException>(() => new BAdd(name: "sum").Call(a, b));
        Assert.Contains("'sum'", e.Message);
        Assert.Contains("[N,4,8,8]", e.Message);
        Assert.Contains("[N,6,8,8]", e.Message);
    }

    [Fact]
    public void Kernel_larger_than_input_fails()
    {
        var m = new Sequential([1, 4, 4]);
        var e = Assert.Throws<BuildException>(() => m.Add(new Conv2D(2, 5, name: "big")));
        Assert.Contains("'big'", e.Message);
    }

    [Fact]
    public void Concat_with_different_spatial_size_fails()
    {
        var a = Input.Of(4, 8, 8);
        var b = Input.Of(4, 7, 8);
        Assert.Throws<BuildException>(() => new Concatenate().Call(a, b));
    }

    [Fact]
    public void Reshape_to_wrong_element_count_fails()
    {
        var m = new Sequential([3, 4]);
        var e = Assert.Throws<BuildException>(() => m.Add(new Reshape(5, 2)));
        Assert.Contains("12", e.Message);
    }

    [Fact]
    public void Unknown_activation_and_bad_arguments_fail_early()
    {
        Assert.Throws<BuildException>(() => new Sequential([4]).Add(new Dense(3, "relu7")));
        Assert.Throws<BuildException>(() => new Dense(0));
        Assert.Throws<BuildException>(() => new Dropout(1.5f));
        Assert.Throws<BuildException>(() => new Sequential([3, 8, 8]).Add(new Conv2D(4, 3, groups: 2)));
    }

    [Fact]
    public void Model_output_not_reachable_from_its_inputs_fails()
    {
        var a = Input.Of(4);
        var b = Input.Of(4);
        var y = new Dense(2).Call(b);
        var e = Assert.Throws<BuildException>(() => new Model(a, y));
        Assert.Contains("not among the model's inputs", e.Message);
    }
}
