"""An application stack a developer writes: its roles live under the application path, bounded."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

APPLICATION_PATH = "/app/"


class PaymentsStack(Stack):
    """A queue-driven Lambda function and an ECS task, each with its own least-privilege role."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        dlq = sqs.Queue(self, "PaymentsDlq", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED)
        queue = sqs.Queue(
            self,
            "Payments",
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            visibility_timeout=Duration.seconds(60),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3),
        )
        table = dynamodb.TableV2(
            self,
            "Ledger",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )

        handler_role = iam.Role(
            self,
            "HandlerRole",
            path=APPLICATION_PATH,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="payments handler: consume the queue, write the ledger",
        )
        handler = lambda_.Function(
            self,
            "Handler",
            function_name="app-payments-handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return {'ok': True}\n"),
            role=handler_role,
            timeout=Duration.seconds(30),
        )
        handler_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    self.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="/aws/lambda/app-payments-handler:*",
                        arn_format=__import__("aws_cdk").ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        queue.grant_consume_messages(handler_role)
        table.grant_read_write_data(handler_role)
        self.handler = handler

        task_role = iam.Role(
            self,
            "ReconcilerTaskRole",
            path=APPLICATION_PATH,
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="reconciler task: read the ledger, send to the queue",
        )
        execution_role = iam.Role(
            self,
            "ReconcilerExecutionRole",
            path=APPLICATION_PATH,
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="ECS agent: pull the image, write logs",
        )
        task = ecs.FargateTaskDefinition(
            self,
            "Reconciler",
            task_role=task_role,
            execution_role=execution_role,
            cpu=256,
            memory_limit_mib=512,
        )
        task.add_container(
            "reconciler",
            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12-slim"),
            command=["python", "-c", "print('reconcile')"],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="reconciler"),
        )
        table.grant_read_data(task_role)
        queue.grant_send_messages(task_role)
