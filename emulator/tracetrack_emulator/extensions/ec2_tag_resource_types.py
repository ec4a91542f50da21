"""EC2 DescribeTags: resource types as AWS names them.

AWS API reference, EC2 DescribeTags: the `resource-type` filter and the `ResourceType` of each
returned tag take the values of TagSpecification.ResourceType, for example `natgateway` and
`vpc-flow-log`. moto reports NAT gateways as `nat-gateway` and flow logs as `flow-logs`, so a
client that reads tags filtered by type (amazon.aws's ensure_ec2_tags) finds none and re-tags
the resource on every run.
"""

from moto.ec2 import utils as ec2_utils

# moto's id prefix -> the TagSpecification.ResourceType AWS uses for it.
AWS_RESOURCE_TYPES = {
    "nat": "natgateway",
    "fl": "vpc-flow-log",
    "eipalloc": "elastic-ip",
    "sir": "spot-instances-request",
    "h": "dedicated-host",
}


def apply() -> None:
    # DescribeTags (moto.ec2.models.tags) looks resource types up in this shared mapping.
    ec2_utils.EC2_PREFIX_TO_RESOURCE.update(AWS_RESOURCE_TYPES)
